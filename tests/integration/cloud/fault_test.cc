// Fault injection: sluice's S3 client through tests/testing/fault_proxy.py in front of moto.
// Throttling and resets are retried, a 403 is not, stalls time out within the retry bounds.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "cloud/aws/sts_client.h"
#include "cloud/http/curl_http_client.h"
#include "cloud/s3/s3_client.h"
#include "common/json.h"
#include "moto_server.h"

namespace sluice::cloud {
namespace {

constexpr char kBucket[] = "sluice-faults";
constexpr char kExternalId[] = "sluice:o:p:a";

class FaultTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    moto_ = new testing::MotoServer();
    Status s = moto_->Start(kBucket, kExternalId);
    ASSERT_TRUE(s.ok()) << s.ToString();
    proxy_ = new testing::FaultProxy();
    s = proxy_->Start(moto_->endpoint());
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  static void TearDownTestSuite() {
    delete proxy_;
    delete moto_;
  }

  void SetUp() override {
    CurlHttpClient http;
    StsClient sts(StsOptions{"us-east-1", moto_->endpoint(), {}}, http, RealClock());
    const auto& id = moto_->identity();
    auto creds = sts.AssumeRole({id.role_arn, "faults", kExternalId, 900},
                                {id.access_key_id, id.secret_access_key, "", 0});
    ASSERT_TRUE(creds.ok()) << creds.status().ToString();
    creds_ = std::make_unique<StaticCredentialsProvider>(*creds);
  }

  // Replaces the proxy's fault plan (JSON list, see fault_proxy.py).
  void SetPlan(const std::string& plan_json) {
    HttpRequest req{"POST", proxy_->endpoint() + "/__fault__", {}, plan_json, nullptr, 0};
    auto r = control_.Send(req);
    ASSERT_TRUE(r.ok() && r->status_code == 200);
  }
  // [method, path, action] per request the proxy saw.
  std::vector<std::string> Actions() {
    auto r = control_.Send({"GET", proxy_->endpoint() + "/__fault__/log", {}, "", nullptr, 0});
    std::vector<std::string> out;
    if (!r.ok()) return out;
    auto log = Json::Parse(r->body);
    for (const Json& e : log->array()) out.push_back(e.array()[2].string_value());
    return out;
  }

  std::unique_ptr<S3Client> Client(HttpClient& http, int attempts = 5) {
    S3ClientOptions o;
    o.endpoint = proxy_->endpoint();
    o.path_style = true;
    o.multipart = MultipartOptions{kMinPartSizeBytes, kMinPartSizeBytes};
    o.retry = RetryOptions{attempts, 50, 200, 20'000};
    return std::make_unique<S3Client>(kBucket, o, http, *creds_, RealClock());
  }

  static testing::MotoServer* moto_;
  static testing::FaultProxy* proxy_;
  CurlHttpClient control_;
  CurlHttpClient http_;
  std::unique_ptr<CredentialsProvider> creds_;
};

testing::MotoServer* FaultTest::moto_ = nullptr;
testing::FaultProxy* FaultTest::proxy_ = nullptr;

TEST_F(FaultTest, SlowDownTwiceThenSuccess) {
  SetPlan(R"([{"method":"PUT","path_contains":"/allowed/","action":"503","count":2}])");
  const Status s = Client(http_)->Put("allowed/throttled.jsonl", "row\n");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Actions(), (std::vector<std::string>{"503", "503", "forward"}));
  EXPECT_EQ(*Client(http_)->Get("allowed/throttled.jsonl"), "row\n");
}

TEST_F(FaultTest, ConnectionResetMidUploadIsRetried) {
  SetPlan(R"([{"method":"PUT","path_contains":"partNumber=2","action":"reset","count":1}])");
  std::string data(kMinPartSizeBytes + 3 * 1024 * 1024, 'x');
  for (size_t i = 0; i < data.size(); i += 4096) data[i] = static_cast<char>(i / 4096);
  const Status s = Client(http_)->Put("allowed/reset.bin", data);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const auto actions = Actions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "reset"), 1) << actions.size();
  EXPECT_EQ(*Client(http_)->Get("allowed/reset.bin"), data);
}

TEST_F(FaultTest, ForbiddenIsNotRetried) {
  SetPlan(R"([{"method":"PUT","action":"403","count":10}])");
  const Status s = Client(http_)->Put("allowed/forbidden", "x");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_EQ(Actions().size(), 1u);
}

TEST_F(FaultTest, StallsTimeOutWithinTheRetryBoundThenFailClearly) {
  SetPlan(R"([{"method":"PUT","action":"stall","count":10}])");
  HttpClientOptions fast;
  fast.total_timeout_ms = 300;
  CurlHttpClient impatient(fast);
  const Status s = Client(impatient, 3)->Put("allowed/stalled", "x");
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded) << s.ToString();
  EXPECT_NE(s.message().find("gave up after 3 attempts"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("imeout"), std::string::npos) << s.message();
  EXPECT_EQ(Actions().size(), 3u);
}

}  // namespace
}  // namespace sluice::cloud
