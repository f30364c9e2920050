// AzureBlobClient over a FakeHttpClient: Shared Key and SAS authorisation, block uploads and
// their commit, retries, error mapping, and secrets kept out of messages. Azurite checks the
// signatures for real (tests/integration/cloud/azurite_test.cc).
#include <gtest/gtest.h>

#include "cloud/azure/azure_errors.h"
#include "cloud/azure/azure_settings.h"
#include "cloud/azure/blob_auth.h"
#include "cloud/azure/blob_client.h"
#include "common/base64.h"
#include "common/crypto.h"
#include "fake_http_client.h"
#include "testing/fake_clock.h"

namespace sluice::cloud {
namespace {

using testing::FakeHttpClient;
using testing::RecordedRequest;

const std::string kKey = Base64Encode("not-a-real-account-key-32-bytes!");

std::string ErrorXml(const std::string& code, const std::string& message) {
  return "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>" + code +
         "</Code><Message>" + message +
         "\nRequestId:r-1\nTime:2024-05-01T00:00:00Z</Message>"
         "<AuthenticationErrorDetail>The MAC signature found in the HTTP request 'c2ln' is not "
         "the same as any computed signature.</AuthenticationErrorDetail></Error>";
}

class AzureBlobTest : public ::testing::Test {
 protected:
  std::unique_ptr<AzureBlobClient> Client(BlobAuthorizer& auth, AzureBlobOptions o = {}) {
    if (o.endpoint.empty()) o.endpoint = "https://acct.blob.core.windows.net";
    o.retry = RetryOptions{4, 100, 1'000, 10'000};
    return std::make_unique<AzureBlobClient>("acct", "logs", o, http_, auth, clock_);
  }
  std::unique_ptr<SharedKeyAuthorizer> SharedKey() {
    return std::move(SharedKeyAuthorizer::Create(kKey)).value();
  }
  FakeHttpClient http_;
  sluice::testing::FakeClock clock_{784'111'777'000'000LL};  // Sun, 06 Nov 1994 08:49:37 GMT
};

TEST(SharedKey, StringToSignFollowsTheBlobServiceLayout) {
  BlobRequestToSign r;
  r.method = "PUT";
  r.account = "acct";
  r.encoded_path = "/logs/2024-05-01/export%20001.jsonl";
  r.query = {{"comp", "block"}, {"blockid", "c2x1aWNl+/="}};
  r.headers = {{"x-ms-version", "2021-12-02"},
               {"x-ms-date", "Sun, 06 Nov 1994 08:49:37 GMT"},
               {"Content-MD5", "md5=="},
               {"X-MS-Blob-Type", " BlockBlob "}};
  r.content_length = 11;
  EXPECT_EQ(SharedKeyStringToSign(r),
            "PUT\n\n\n11\nmd5==\n\n\n\n\n\n\n\n"
            "x-ms-blob-type:BlockBlob\nx-ms-date:Sun, 06 Nov 1994 08:49:37 GMT\n"
            "x-ms-version:2021-12-02\n"
            "/acct/logs/2024-05-01/export%20001.jsonl\nblockid:c2x1aWNl+/=\ncomp:block");
  r.content_length = 0;  // zero length is an empty line (versions 2015-02-21 and later)
  EXPECT_EQ(SharedKeyStringToSign(r).substr(0, 8), "PUT\n\n\n\nm");
}

TEST(SharedKey, RefusesAKeyThatIsNotBase64WithoutEchoingIt) {
  auto bad = SharedKeyAuthorizer::Create("not base64 at all!");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find("not base64 at all"), std::string::npos);
}

TEST_F(AzureBlobTest, PutBlobIsSignedWithTheAccountKeyAndCarriesContentMd5) {
  auto auth = SharedKey();
  http_.Enqueue(201);
  ASSERT_TRUE(Client(*auth)->Put("team/a b.jsonl", "hello world").ok());
  const RecordedRequest r = http_.requests()[0];
  EXPECT_EQ(r.method, "PUT");
  EXPECT_EQ(r.url, "https://acct.blob.core.windows.net/logs/team/a%20b.jsonl");
  EXPECT_EQ(*FindHeader(r.headers, "x-ms-blob-type"), "BlockBlob");
  EXPECT_EQ(*FindHeader(r.headers, "x-ms-version"), kBlobApiVersion);
  EXPECT_EQ(*FindHeader(r.headers, "x-ms-date"), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(*FindHeader(r.headers, "Content-MD5"), Base64Encode(AsStringView(Md5("hello world"))));
  // Recompute the signature over what was sent.
  BlobRequestToSign sent{"PUT", "acct", "/logs/team/a%20b.jsonl", {}, {}, 11};
  for (const auto& h : r.headers) {
    if (h.first != "Authorization") sent.headers.push_back(h);
  }
  const std::string expected =
      "SharedKey acct:" + Base64Encode(AsStringView(HmacSha256("not-a-real-account-key-32-bytes!",
                                                               SharedKeyStringToSign(sent))));
  EXPECT_EQ(*FindHeader(r.headers, "Authorization"), expected);
}

TEST_F(AzureBlobTest, AnEmulatorEndpointKeepsTheAccountInThePath) {
  auto auth = SharedKey();
  http_.Enqueue(201);
  AzureBlobOptions o;
  o.endpoint = "http://127.0.0.1:10000/devstoreaccount1/";
  ASSERT_TRUE(Client(*auth, o)->Put("k", "x").ok());
  EXPECT_EQ(http_.requests()[0].url, "http://127.0.0.1:10000/devstoreaccount1/logs/k");
}

TEST_F(AzureBlobTest, LargeObjectsGoAsBlocksCommittedByTheirLatestIds) {
  auto auth = SharedKey();
  AzureBlobOptions o;
  o.blocks.threshold_bytes = 1024 * 1024;
  o.blocks.part_size_bytes = 1024 * 1024;
  http_.SetFallback([](const RecordedRequest&) -> Result<HttpResponse> {
    return HttpResponse{201, {{"ETag", "\"0x8D\""}}, ""};
  });
  auto client = Client(*auth, o);
  auto writer = client->NewWriter("big.parquet");
  ASSERT_TRUE(writer.ok());
  const std::string data(2 * 1024 * 1024 + 10, 'z');
  ASSERT_TRUE((*writer)->Write(data.substr(0, 1500 * 1024)).ok());
  ASSERT_TRUE((*writer)->Write(data.substr(1500 * 1024)).ok());
  auto info = (*writer)->Finish();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size_bytes, static_cast<int64_t>(data.size()));
  const auto reqs = http_.requests();
  ASSERT_EQ(reqs.size(), 4u);  // three blocks, one commit
  for (int i = 0; i < 3; ++i) {
    EXPECT_NE(reqs[i].url.find("comp=block&blockid="), std::string::npos) << reqs[i].url;
    EXPECT_NE(reqs[i].url.find(UriEncode(AzureBlobClient::BlockId(i + 1))), std::string::npos);
  }
  EXPECT_EQ(reqs[0].body.size(), 1024u * 1024u);
  EXPECT_EQ(reqs[2].body.size(), 10u);
  EXPECT_NE(reqs[3].url.find("comp=blocklist"), std::string::npos);
  EXPECT_EQ(reqs[3].body, "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><Latest>" +
                              AzureBlobClient::BlockId(1) + "</Latest><Latest>" +
                              AzureBlobClient::BlockId(2) + "</Latest><Latest>" +
                              AzureBlobClient::BlockId(3) + "</Latest></BlockList>");
  // Block ids of one blob must all have the same length.
  EXPECT_EQ(AzureBlobClient::BlockId(1).size(), AzureBlobClient::BlockId(49'999).size());
}

TEST_F(AzureBlobTest, ServerBusyIsRetriedAndAuthenticationFailedIsNot) {
  auto auth = SharedKey();
  http_.Enqueue(503, ErrorXml("ServerBusy", "The server is busy."));
  http_.Enqueue(201);
  EXPECT_TRUE(Client(*auth)->Put("k", "x").ok());
  EXPECT_EQ(http_.calls(), 2u);

  http_.Enqueue(403, ErrorXml("AuthenticationFailed", "Server failed to authenticate the request."),
                {{"x-ms-error-code", "AuthenticationFailed"}, {"x-ms-request-id", "req-7"}});
  const Status s = Client(*auth)->Put("team/k", "x");
  EXPECT_EQ(http_.calls(), 3u);
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(StorageErrorOf(s), StorageError::kBadCredentials);
  EXPECT_EQ(s.message(),
            "PutBlob az://acct/logs/team/k: AuthenticationFailed (HTTP 403): Server failed to "
            "authenticate the request. [request id req-7]");
  EXPECT_EQ(s.message().find(kKey), std::string::npos);
  EXPECT_EQ(s.message().find("MAC signature"), std::string::npos);
}

TEST_F(AzureBlobTest, AMissingContainerAndAMissingBlobAreToldApart) {
  auto auth = SharedKey();
  http_.Enqueue(404, ErrorXml("ContainerNotFound", "The specified container does not exist."));
  EXPECT_EQ(StorageErrorOf(Client(*auth)->Put("k", "x")), StorageError::kBucketNotFound);
  // HEAD answers carry the code only in a header.
  http_.Enqueue(404, "", {{"x-ms-error-code", "BlobNotFound"}});
  EXPECT_EQ(StorageErrorOf(Client(*auth)->Head("k").status()), StorageError::kObjectNotFound);
  http_.Enqueue(404, ErrorXml("BlobNotFound", "The specified blob does not exist."));
  EXPECT_TRUE(Client(*auth)->Delete("k").ok());
  http_.Enqueue(404, ErrorXml("ContainerNotFound", "The specified container does not exist."));
  EXPECT_FALSE(Client(*auth)->Delete("k").ok());
}

TEST_F(AzureBlobTest, ASasIsSentInTheQueryAndNeverInMessages) {
  SasAuthorizer sas(
      "?sv=2021-12-02&ss=b&srt=co&sp=rwdlac&se=2030-01-01T00%3A00%3A00Z&sig=AbC%2B%2F%3D");
  http_.Enqueue(403, ErrorXml("AuthorizationPermissionMismatch",
                              "This request is not authorized to perform this operation using "
                              "this permission."));
  const Status s = Client(sas)->Put("k", "x");
  const RecordedRequest r = http_.requests()[0];
  EXPECT_NE(r.url.find("sig=AbC%2B%2F%3D"), std::string::npos) << r.url;
  EXPECT_NE(r.url.find("se=2030-01-01T00%3A00%3A00Z"), std::string::npos);
  EXPECT_EQ(FindHeader(r.headers, "Authorization"), nullptr);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(StorageErrorOf(s), StorageError::kAccessDenied);
  EXPECT_EQ(s.message().find("AbC"), std::string::npos) << s.message();
}

class CountingTokens final : public TokenProvider {
 public:
  Result<AccessToken> GetToken() override {
    return AccessToken{"token-" + std::to_string(invalidations), 0};
  }
  void Invalidate() override { ++invalidations; }
  std::string Name() const override { return "counting"; }
  int invalidations = 0;
};

TEST_F(AzureBlobTest, ARefusedBearerTokenIsRefreshedOnce) {
  CountingTokens tokens;
  BearerAuthorizer bearer(tokens);
  http_.Enqueue(401, ErrorXml("InvalidAuthenticationInfo", "Lifetime validation failed."));
  http_.Enqueue(201);
  ASSERT_TRUE(Client(bearer)->Put("k", "x").ok());
  const auto reqs = http_.requests();
  EXPECT_EQ(*FindHeader(reqs[0].headers, "Authorization"), "Bearer token-0");
  EXPECT_EQ(*FindHeader(reqs[1].headers, "Authorization"), "Bearer token-1");
  http_.Enqueue(401, ErrorXml("InvalidAuthenticationInfo", "Lifetime validation failed."));
  http_.Enqueue(401, ErrorXml("InvalidAuthenticationInfo", "Lifetime validation failed."));
  const Status s = Client(bearer)->Put("k", "x");
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(s.message().find("token-"), std::string::npos);
}

TEST_F(AzureBlobTest, ListFollowsNextMarker) {
  auto auth = SharedKey();
  http_.Enqueue(200,
                "<?xml version=\"1.0\"?><EnumerationResults ContainerName=\"logs\"><Blobs>"
                "<Blob><Name>p/a</Name><Properties><Last-Modified>Sun, 06 Nov 1994 08:49:37 GMT"
                "</Last-Modified><Etag>0x1</Etag><Content-Length>5</Content-Length></Properties>"
                "</Blob></Blobs><NextMarker>m2</NextMarker></EnumerationResults>");
  http_.Enqueue(200,
                "<?xml version=\"1.0\"?><EnumerationResults><Blobs><Blob><Name>p/b</Name>"
                "<Properties><Content-Length>7</Content-Length></Properties></Blob></Blobs>"
                "<NextMarker/></EnumerationResults>");
  auto all = Client(*auth)->ListAll("p/");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].key, "p/a");
  EXPECT_EQ((*all)[0].size_bytes, 5);
  EXPECT_EQ((*all)[0].last_modified, 784'111'777'000'000LL);
  EXPECT_EQ((*all)[1].size_bytes, 7);
  const auto reqs = http_.requests();
  EXPECT_NE(reqs[0].url.find("restype=container&comp=list"), std::string::npos);
  EXPECT_NE(reqs[1].url.find("marker=m2"), std::string::npos);
}

TEST(AzureSettings, ConnectionStringWinsOverSingleVariables) {
  MapEnvironment env({{"AZURE_STORAGE_CONNECTION_STRING",
                       "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
                       "AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1/;"},
                      {"AZURE_STORAGE_KEY", "b3RoZXI="},
                      {"AZURE_STORAGE_SAS_TOKEN", "?sv=1&sig=x"},
                      {"AZURE_AUTHORITY_HOST", "http://127.0.0.1:9/"}});
  const AzureSettings s = ResolveAzureSettings(env);
  EXPECT_EQ(s.account_key, "a2V5");
  EXPECT_EQ(s.sas_token, "sv=1&sig=x");
  EXPECT_EQ(s.blob_endpoint, "http://127.0.0.1:10000/devstoreaccount1");
  EXPECT_EQ(s.connection_account, "devstoreaccount1");
  EXPECT_EQ(s.authority_host, "http://127.0.0.1:9");
  EXPECT_EQ(BlobEndpoint(ResolveAzureSettings(MapEnvironment()), "acct"),
            "https://acct.blob.core.windows.net");
  const AzureSettings dev = ResolveAzureSettings(MapEnvironment(std::map<std::string, std::string>{
      {"AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true"}}));
  EXPECT_EQ(dev.blob_endpoint, "http://127.0.0.1:10000/devstoreaccount1");
  EXPECT_EQ(dev.connection_account, "devstoreaccount1");
}

}  // namespace
}  // namespace sluice::cloud
