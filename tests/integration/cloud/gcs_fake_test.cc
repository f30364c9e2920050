// GcsClient and Google credentials against the loopback Cloud Storage fake (whose behaviour
// gcs_fake_check.mjs checks with Google's Node client): sluice's own key file signs a JWT the
// fake verifies, impersonates the customer's export account through generateAccessToken, and
// uploads small and resumable objects that Google's client reads back; a connection reset in
// the middle of a chunk is resumed; missing roles and buckets get actionable messages.
#include <gtest/gtest.h>

#include "cloud/gcp/adc.h"
#include "cloud/gcp/gcs_client.h"
#include "cloud/gcp/impersonation.h"
#include "cloud/http/curl_http_client.h"
#include "common/crypto.h"
#include "common/json.h"
#include "gcs_fake_server.h"
#include "testing/temp_dir.h"

namespace sluice::cloud {
namespace {

using sluice::testing::GcsFake;

class GcsFakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fake_.Start(dir_.path().string()).ok());
    settings_.credentials_file = fake_.server_key_file();
    settings_.storage_endpoint = fake_.endpoint();
    settings_.iam_credentials_endpoint = fake_.endpoint();
    settings_.metadata_base = fake_.endpoint();
    own_ = MakeApplicationDefaultCredentials(settings_, http_, RealClock());
  }
  std::unique_ptr<TokenProvider> Impersonate(const std::string& email) {
    return std::make_unique<ImpersonatedTokenProvider>(
        *own_, GenerateAccessTokenUrl(settings_.iam_credentials_endpoint, email), email,
        std::vector<std::string>{kDevstorageReadWriteScope}, http_, RealClock());
  }
  std::unique_ptr<GcsClient> Client(TokenProvider& tokens, const std::string& bucket = "exports") {
    GcsClientOptions o;
    o.endpoint = settings_.storage_endpoint;
    o.upload.threshold_bytes = 1 << 20;
    o.upload.chunk_size_bytes = 1 << 20;
    o.retry = RetryOptions{4, 50, 500, 20'000};
    return std::make_unique<GcsClient>(bucket, o, http_, tokens, RealClock());
  }
  Json Stat(const std::string& name) {
    auto out = fake_.Tool("stat exports '" + name + "'");
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? *Json::Parse(*out) : Json();
  }
  static std::string Data(size_t n) {
    std::string s;
    for (int i = 0; s.size() < n; ++i) s += std::to_string(i * 7919) + ";";
    s.resize(n);
    return s;
  }

  sluice::testing::TempDir dir_;
  GcsFake fake_;
  GcpSettings settings_;
  CurlHttpClient http_;
  std::unique_ptr<TokenProvider> own_;
};

TEST_F(GcsFakeTest, AnImpersonatedUploadIsReadBackByGooglesClient) {
  auto tokens = Impersonate(sluice::testing::kGcsExportAccount);
  auto client = Client(*tokens);
  ASSERT_TRUE(client->Put("team/2024-05-01/export 001.jsonl", "{\"id\":1}\n").ok());
  const std::string big = Data((3 << 20) + 4321);
  auto w = client->NewWriter("team/2024-05-01/export_002.parquet");
  ASSERT_TRUE(w.ok());
  for (size_t off = 0; off < big.size(); off += 600'000) {
    ASSERT_TRUE((*w)->Write(std::string_view(big).substr(off, 600'000)).ok());
  }
  auto info = (*w)->Finish();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(Stat("team/2024-05-01/export 001.jsonl").Find("size")->int_value(), 9);
  Json stat = Stat("team/2024-05-01/export_002.parquet");
  EXPECT_EQ(stat.Find("size")->int_value(), static_cast<int64_t>(big.size()));
  EXPECT_EQ(stat.Find("sha256")->string_value(), HexEncode(Sha256(big)));
  auto listed = client->ListAll("team/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->size(), 2u);
  auto got = client->Get("team/2024-05-01/export 001.jsonl");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "{\"id\":1}\n");
  ASSERT_TRUE(client->Delete("team/2024-05-01/export 001.jsonl").ok());
  EXPECT_EQ(*fake_.Tool("list exports team/"), "[\"team/2024-05-01/export_002.parquet\"]");
}

TEST_F(GcsFakeTest, AConnectionResetInTheMiddleOfAChunkIsResumed) {
  auto tokens = Impersonate(sluice::testing::kGcsExportAccount);
  ASSERT_TRUE(fake_.Fault("{\"reset_chunk\": 2}").ok());
  const std::string big = Data((3 << 20) + 17);
  ASSERT_TRUE(Client(*tokens)->Put("resumed.parquet", big).ok());
  EXPECT_EQ(Stat("resumed.parquet").Find("sha256")->string_value(), HexEncode(Sha256(big)));
  auto log = Json::Parse(*fake_.Requests());
  int status_queries = 0;
  for (const Json& r : log->array()) {
    const Json* range = r.Find("content_range");
    if (range != nullptr && range->is_string() && range->string_value() == "bytes */*") {
      ++status_queries;
    }
  }
  EXPECT_EQ(status_queries, 1);
}

TEST_F(GcsFakeTest, AnAccountThatDoesNotTrustTheServerSaysWhichRoleToGrant) {
  auto tokens = Impersonate(sluice::testing::kGcsJudgeAccount);
  const Status s = Client(*tokens)->Put("k", "x");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_NE(s.message().find("roles/iam.serviceAccountTokenCreator"), std::string::npos)
      << s.message();
  EXPECT_EQ(s.message().find("ya29"), std::string::npos);
}

TEST_F(GcsFakeTest, MissingBucketsAndMissingRolesAreToldApart) {
  auto tokens = Impersonate(sluice::testing::kGcsExportAccount);
  const Status missing = Client(*tokens, "no-such-bucket")->Put("k", "x");
  EXPECT_EQ(StorageErrorOf(missing), StorageError::kBucketNotFound) << missing.ToString();
  const Status denied = Client(*tokens, "private")->Put("k", "x");
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied) << denied.ToString();
  EXPECT_EQ(StorageErrorOf(denied), StorageError::kAccessDenied);
  EXPECT_NE(denied.message().find("storage.objects.create"), std::string::npos);
}

TEST_F(GcsFakeTest, TheMetadataServerIsTheIdentityWithoutAKeyFile) {
  settings_.credentials_file.clear();
  settings_.well_known_file = dir_.File("none.json");
  own_ = MakeApplicationDefaultCredentials(settings_, http_, RealClock());
  auto tokens = Impersonate(sluice::testing::kGcsExportAccount);
  ASSERT_TRUE(Client(*tokens)->Put("from-metadata.txt", "hi").ok());
  EXPECT_EQ(Stat("from-metadata.txt").Find("size")->int_value(), 2);
  auto principal = DescribeGooglePrincipal(settings_, http_, RealClock());
  ASSERT_TRUE(principal.ok()) << principal.status().ToString();
  EXPECT_EQ(*principal, std::string("serviceAccount:") + sluice::testing::kGcsServerAccount);
}

}  // namespace
}  // namespace sluice::cloud
