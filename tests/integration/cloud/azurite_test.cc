// AzureBlobClient against Azurite, judged by Microsoft's @azure/storage-blob client: Shared Key
// and SAS authorisation (Azurite checks the signatures), block uploads and their commit, a wrong
// key, a read-only SAS and a missing container with the messages a user gets; and Entra ID
// bearer tokens from a local token endpoint (entra_fake.py) accepted by Azurite over HTTPS.
#include <gtest/gtest.h>

#include <fstream>

#include "azurite_server.h"
#include "cloud/azure/blob_auth.h"
#include "cloud/azure/blob_client.h"
#include "cloud/azure/entra_credentials.h"
#include "cloud/http/curl_http_client.h"
#include "common/crypto.h"
#include "common/json.h"
#include "process_util.h"
#include "testing/temp_dir.h"

namespace sluice::cloud {
namespace {

using sluice::testing::AzuriteServer;

AzureBlobOptions Options(const std::string& endpoint) {
  AzureBlobOptions o;
  o.endpoint = endpoint;
  o.retry = RetryOptions{3, 50, 500, 10'000};
  return o;
}

class AzuriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(azurite_.Start(dir_.path().string()).ok());
    ASSERT_TRUE(azurite_.Tool("create-container exports").ok());
    key_ = std::move(SharedKeyAuthorizer::Create(sluice::testing::kDevAccountKey)).value();
  }
  std::unique_ptr<AzureBlobClient> Client(BlobAuthorizer& auth,
                                          const std::string& container = "exports") {
    return std::make_unique<AzureBlobClient>(sluice::testing::kDevAccount, container,
                                             Options(azurite_.endpoint()), http_, auth,
                                             RealClock());
  }
  Json Stat(const std::string& blob) {
    auto out = azurite_.Tool("stat exports '" + blob + "'");
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? *Json::Parse(*out) : Json();
  }

  sluice::testing::TempDir dir_;
  AzuriteServer azurite_;
  CurlHttpClient http_;
  std::unique_ptr<SharedKeyAuthorizer> key_;
};

TEST_F(AzuriteTest, SharedKeyRoundTripReadBackByMicrosoftsClient) {
  auto client = Client(*key_);
  const std::string body = "{\"id\":\"a b\"}\n";
  ASSERT_TRUE(client->Put("team/2024-05-01/export 001.jsonl", body).ok());
  Json stat = Stat("team/2024-05-01/export 001.jsonl");
  EXPECT_EQ(stat.Find("size")->int_value(), static_cast<int64_t>(body.size()));
  EXPECT_EQ(stat.Find("sha256")->string_value(), HexEncode(Sha256(body)));
  auto got = client->Get("team/2024-05-01/export 001.jsonl");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, body);
  auto head = client->Head("team/2024-05-01/export 001.jsonl");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size_bytes, static_cast<int64_t>(body.size()));
  auto listed = client->ListAll("team/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  ASSERT_TRUE(client->Delete("team/2024-05-01/export 001.jsonl").ok());
  EXPECT_TRUE(client->Delete("team/2024-05-01/export 001.jsonl").ok());  // already gone
  EXPECT_EQ(*azurite_.Tool("list exports team/"), "[]");
}

TEST_F(AzuriteTest, LargeObjectsAreCommittedBlocksWithExactlyTheBytesWritten) {
  AzureBlobOptions o = Options(azurite_.endpoint());
  o.blocks.threshold_bytes = 2 << 20;
  o.blocks.part_size_bytes = 2 << 20;
  AzureBlobClient client(sluice::testing::kDevAccount, "exports", o, http_, *key_, RealClock());
  // Leftovers of an upload that died before its commit, under the ids the new one reuses.
  ASSERT_TRUE(
      azurite_
          .Tool("stage-block exports big.parquet " + AzureBlobClient::BlockId(1) + " stale-bytes")
          .ok());
  std::string data;
  for (int i = 0; data.size() < (5u << 20) + 123; ++i) data += std::to_string(i) + ",";
  auto w = client.NewWriter("big.parquet");
  ASSERT_TRUE(w.ok());
  for (size_t off = 0; off < data.size(); off += 700'000) {
    ASSERT_TRUE((*w)->Write(std::string_view(data).substr(off, 700'000)).ok());
  }
  auto info = (*w)->Finish();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  Json stat = Stat("big.parquet");
  EXPECT_EQ(stat.Find("size")->int_value(), static_cast<int64_t>(data.size()));
  EXPECT_EQ(stat.Find("sha256")->string_value(), HexEncode(Sha256(data)));
  EXPECT_EQ(stat.Find("blocks")->int_value(), 3);
  // Committing the same block list again (a lost answer retried) keeps the same object.
  std::vector<CompletedPart> parts{{1, AzureBlobClient::BlockId(1)},
                                   {2, AzureBlobClient::BlockId(2)},
                                   {3, AzureBlobClient::BlockId(3)}};
  ASSERT_TRUE(client.CompleteMultipartUpload("big.parquet", "blocks", parts).ok());
  EXPECT_EQ(Stat("big.parquet").Find("sha256")->string_value(), HexEncode(Sha256(data)));
}

TEST_F(AzuriteTest, AWrongKeyIsRefusedAndTheMessageNeverHoldsIt) {
  const std::string wrong = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktd3Jvbmcta2V5LXdyb25nLWtleQ==";
  auto auth = std::move(SharedKeyAuthorizer::Create(wrong)).value();
  const Status s = Client(*auth)->Put("k", "x");
  // Azure answers AuthenticationFailed; Azurite 3.35 answers AuthorizationFailure. Either way the
  // call is refused, not retried, and says the signature did not authenticate.
  EXPECT_TRUE(StorageErrorOf(s) == StorageError::kBadCredentials ||
              StorageErrorOf(s) == StorageError::kAccessDenied)
      << s.ToString();
  EXPECT_NE(s.message().find("failed to authenticate"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find(wrong), std::string::npos);
  EXPECT_EQ(s.message().find("d3Jvbmc"), std::string::npos);
}

TEST_F(AzuriteTest, ASasWritesAndAReadOnlySasIsDeniedWithoutLeakingIt) {
  auto sas = azurite_.Tool("sas exports racwdl");
  ASSERT_TRUE(sas.ok());
  SasAuthorizer writer(*sas);
  ASSERT_TRUE(Client(writer)->Put("by-sas.txt", "hello").ok());
  EXPECT_EQ(Stat("by-sas.txt").Find("size")->int_value(), 5);

  auto read_only = azurite_.Tool("sas exports r");
  ASSERT_TRUE(read_only.ok());
  SasAuthorizer reader(*read_only);
  const Status s = Client(reader)->Put("denied.txt", "hello");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_EQ(StorageErrorOf(s), StorageError::kAccessDenied);
  const std::string sig = read_only->substr(read_only->find("sig=") + 4);
  EXPECT_EQ(s.message().find(sig.substr(0, 10)), std::string::npos) << s.message();
}

TEST_F(AzuriteTest, AMissingContainerIsToldApartFromAMissingBlob) {
  const Status s = Client(*key_, "no-such-container")->Put("k", "x");
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  EXPECT_EQ(StorageErrorOf(s), StorageError::kBucketNotFound);
  EXPECT_NE(s.message().find("ContainerNotFound"), std::string::npos);
  EXPECT_EQ(StorageErrorOf(Client(*key_)->Get("missing").status()), StorageError::kObjectNotFound);
}

// Entra ID: the server's managed identity (App Service endpoint of entra_fake.py) gets a token
// for api://AzureADTokenExchange, presents it to the customer's tenant for their app
// registration, and Azurite (over HTTPS, checking issuer, audience and lifetime) accepts the
// storage token.
class EntraAzuriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(azurite_.Start(dir_.path().string(), /*https=*/true).ok());
    ASSERT_TRUE(azurite_.Tool("create-container exports").ok());
    Json config = Json::Object();
    config.Set("identity_header", Json::String("hdr-1"));
    Json app = Json::Object();
    app.Set("tenant", Json::String(kTenant));
    app.Set("client_id", Json::String(kApp));
    app.Set("issuer", Json::String(kOwnIssuer));
    app.Set("subject", Json::String(kOwnSubject));
    Json apps = Json::Array();
    apps.Push(std::move(app));
    config.Set("apps", std::move(apps));
    std::ofstream(dir_.File("entra.json")) << config.ToString();
    const int port = sluice::testing::FreePort();
    pid_ = sluice::testing::Spawn({"python3",
                                   sluice::testing::CloudIntegrationDir() + "/entra_fake.py",
                                   std::to_string(port), dir_.File("entra.json")});
    ASSERT_TRUE(sluice::testing::WaitForPort(port));
    authority_ = "http://127.0.0.1:" + std::to_string(port);
    env_.Set("IDENTITY_ENDPOINT", authority_ + "/msi/token");
    env_.Set("IDENTITY_HEADER", "hdr-1");
  }
  void TearDown() override { sluice::testing::StopChild(pid_); }

  static constexpr char kTenant[] = "c0570000-0000-0000-0000-000000000002";
  static constexpr char kApp[] = "a9900000-0000-0000-0000-000000000003";
  static constexpr char kOwnIssuer[] =
      "https://login.microsoftonline.com/f00d0000-0000-0000-0000-000000000001/v2.0";
  static constexpr char kOwnSubject[] = "5e1f0000-0000-0000-0000-00000000a11e";

  sluice::testing::TempDir dir_;
  AzuriteServer azurite_;
  pid_t pid_ = -1;
  std::string authority_;
  MapEnvironment env_;
};

TEST_F(EntraAzuriteTest, TheAppRegistrationsTokenWritesThroughAzurite) {
  CurlHttpClient http(HttpClientOptions{10'000, 0, 1, 60, azurite_.cert_path()});
  AzureSettings settings;
  settings.authority_host = authority_;
  auto own = MakeDefaultAzureIdentity(env_, settings, kTokenExchangeScope, http, RealClock());
  EntraOptions entra;
  entra.authority_host = authority_;
  FederatedAppTokenProvider app(kTenant, kApp, kAzureStorageScope, *own, entra, http, RealClock());
  BearerAuthorizer bearer(app);
  AzureBlobClient client(sluice::testing::kDevAccount, "exports", Options(azurite_.endpoint()),
                         http, bearer, RealClock());
  const Status put = client.Put("entra/hello.txt", "hello from an app registration");
  ASSERT_TRUE(put.ok()) << put.ToString();
  auto stat = azurite_.Tool("stat exports entra/hello.txt");
  ASSERT_TRUE(stat.ok());
  EXPECT_EQ(Json::Parse(*stat)->Find("size")->int_value(), 30);
  EXPECT_EQ(own->Name(), "managed identity");
}

TEST_F(EntraAzuriteTest, AnAppThatDoesNotTrustTheServerSaysWhatToAdd) {
  CurlHttpClient http(HttpClientOptions{10'000, 0, 1, 60, azurite_.cert_path()});
  AzureSettings settings;
  settings.authority_host = authority_;
  // The server's identity through a client secret this time: a different subject than the
  // app's federated credential names.
  MapEnvironment env({{"AZURE_TENANT_ID", "f00d0000-0000-0000-0000-000000000001"},
                      {"AZURE_CLIENT_ID", "b0b00000-0000-0000-0000-000000000004"},
                      {"AZURE_CLIENT_SECRET", "wrong-secret"}});
  auto own = MakeDefaultAzureIdentity(env, settings, kTokenExchangeScope, http, RealClock());
  const Status bad_secret = own->GetToken().status();
  EXPECT_EQ(bad_secret.code(), StatusCode::kUnauthenticated);
  EXPECT_NE(bad_secret.message().find("AADSTS7000215"), std::string::npos);
  EXPECT_EQ(bad_secret.message().find("wrong-secret"), std::string::npos);

  auto mi = MakeDefaultAzureIdentity(env_, settings, kTokenExchangeScope, http, RealClock());
  EntraOptions entra;
  entra.authority_host = authority_;
  FederatedAppTokenProvider other("c0570000-0000-0000-0000-000000000002",
                                  "a9900000-0000-0000-0000-0000000000ff", kAzureStorageScope, *mi,
                                  entra, http, RealClock());
  const Status s = other.GetToken().status();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(std::string("federated identity credential for issuer ") + kOwnIssuer +
                             " and subject " + kOwnSubject),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("AADSTS700016"), std::string::npos);
}

}  // namespace
}  // namespace sluice::cloud
