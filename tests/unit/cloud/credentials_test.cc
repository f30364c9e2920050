// The default credential chain's order and each source, with a MapEnvironment, temp files and
// a FakeHttpClient; STS response parsing and the AssumeRole provider's caching.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "cloud/aws/credential_providers.h"
#include "cloud/aws/sts_client.h"
#include "fake_http_client.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace sluice::cloud {
namespace {

using testing::FakeHttpClient;

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

constexpr char kStsXml[] = R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIATEMP</AccessKeyId>
      <SecretAccessKey>temp/secret+key</SecretAccessKey>
      <SessionToken>FwoG&amp;token</SessionToken>
      <Expiration>2023-11-14T23:13:20Z</Expiration>
    </Credentials>
    <AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/r/s</Arn></AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>abc</RequestId></ResponseMetadata>
</AssumeRoleResponse>)";

class ChainTest : public ::testing::Test {
 protected:
  std::unique_ptr<CredentialsProvider> Chain(
      std::optional<AwsCredentials> explicit_creds = std::nullopt) {
    settings_ = ResolveAwsSettings(env_, {});
    return MakeDefaultCredentialsChain(env_, settings_, http_, clock_, explicit_creds);
  }
  MapEnvironment env_;
  AwsSettings settings_;
  FakeHttpClient http_;
  sluice::testing::FakeClock clock_{1'700'000'000'000'000LL};  // 2023-11-14T22:13:20Z
  sluice::testing::TempDir dir_;
};

TEST_F(ChainTest, ExplicitKeysWinOverEnvironment) {
  env_.Set("AWS_ACCESS_KEY_ID", "ENVKEY");
  env_.Set("AWS_SECRET_ACCESS_KEY", "envsecret");
  auto c = Chain(AwsCredentials{"EXPLICIT", "s", "", 0})->GetCredentials();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "EXPLICIT");
}

TEST_F(ChainTest, EnvironmentWinsOverProfileFile) {
  WriteFile(dir_.File("credentials"),
            "[default]\naws_access_key_id = FILEKEY\n"
            "aws_secret_access_key = filesecret\n");
  env_.Set("AWS_SHARED_CREDENTIALS_FILE", dir_.File("credentials"));
  env_.Set("AWS_ACCESS_KEY_ID", "ENVKEY");
  env_.Set("AWS_SECRET_ACCESS_KEY", "envsecret");
  env_.Set("AWS_SESSION_TOKEN", "envtoken");
  auto c = Chain()->GetCredentials();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "ENVKEY");
  EXPECT_EQ(c->session_token, "envtoken");
  EXPECT_EQ(http_.calls(), 0u);
}

TEST_F(ChainTest, NamedProfileFromCredentialsThenConfigFile) {
  WriteFile(dir_.File("credentials"),
            "[default]\naws_access_key_id=D\naws_secret_access_key=d\n"
            "# comment\n[ci]\naws_access_key_id = CIKEY\n"
            "aws_secret_access_key = cisecret\n");
  WriteFile(dir_.File("config"),
            "[profile cfg]\naws_access_key_id = CFGKEY\n"
            "aws_secret_access_key = cfgsecret\nregion = ap-south-1\n");
  env_.Set("AWS_SHARED_CREDENTIALS_FILE", dir_.File("credentials"));
  env_.Set("AWS_CONFIG_FILE", dir_.File("config"));
  env_.Set("AWS_PROFILE", "ci");
  EXPECT_EQ(Chain()->GetCredentials()->access_key_id, "CIKEY");
  env_.Set("AWS_PROFILE", "cfg");
  EXPECT_EQ(Chain()->GetCredentials()->access_key_id, "CFGKEY");
  EXPECT_EQ(settings_.region, "ap-south-1");
}

TEST_F(ChainTest, WebIdentityAssumesTheRoleWithTheToken) {
  WriteFile(dir_.File("token"), "eyJhbGciOi.jwt.sig\n");
  env_.Set("HOME", dir_.path().string());
  env_.Set("AWS_WEB_IDENTITY_TOKEN_FILE", dir_.File("token"));
  env_.Set("AWS_ROLE_ARN", "arn:aws:iam::1:role/web");
  env_.Set("AWS_ENDPOINT_URL_STS", "http://sts.local");
  http_.Enqueue(200, std::string(kStsXml));
  auto chain = Chain();
  auto c = chain->GetCredentials();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIATEMP");
  const auto reqs = http_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].url, "http://sts.local/");
  EXPECT_NE(reqs[0].body.find("Action=AssumeRoleWithWebIdentity"), std::string::npos);
  // The token file's trailing newline is not part of the token.
  EXPECT_TRUE(reqs[0].body.ends_with("&WebIdentityToken=eyJhbGciOi.jwt.sig")) << reqs[0].body;
  // Cached: a second call does not go to STS again.
  EXPECT_TRUE(chain->GetCredentials().ok());
  EXPECT_EQ(http_.calls(), 1u);
}

TEST_F(ChainTest, ContainerEndpointWithAuthorizationToken) {
  env_.Set("HOME", dir_.path().string());
  env_.Set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc");
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer xyz");
  http_.Enqueue(200, R"({"AccessKeyId":"ECS","SecretAccessKey":"s","Token":"t",)"
                     R"("Expiration":"2023-11-15T00:00:00Z"})");
  auto c = Chain()->GetCredentials();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ECS");
  EXPECT_EQ(http_.requests()[0].url, "http://169.254.170.2/v2/credentials/abc");
  EXPECT_EQ(*FindHeader(http_.requests()[0].headers, "Authorization"), "Bearer xyz");
}

TEST_F(ChainTest, ImdsV2PutsATokenFirstWithShortTimeouts) {
  env_.Set("HOME", dir_.path().string());
  http_.Enqueue(200, "IMDSTOKEN");
  http_.Enqueue(200, "my-role\n");
  http_.Enqueue(200, R"({"Code":"Success","AccessKeyId":"EC2","SecretAccessKey":"s",)"
                     R"("Token":"t","Expiration":"2023-11-15T00:00:00Z"})");
  auto c = Chain()->GetCredentials();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "EC2");
  const auto reqs = http_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].method, "PUT");
  EXPECT_EQ(reqs[0].url, "http://169.254.169.254/latest/api/token");
  EXPECT_EQ(reqs[2].url,
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/my-role");
  EXPECT_EQ(*FindHeader(reqs[2].headers, "X-aws-ec2-metadata-token"), "IMDSTOKEN");
  for (const auto& r : reqs) EXPECT_EQ(r.timeout_ms, 1000);
}

TEST_F(ChainTest, NothingConfiguredExplainsEachSource) {
  env_.Set("HOME", dir_.path().string());
  http_.EnqueueError(DeadlineExceededError("HTTP transport: Timeout was reached"));
  auto c = Chain()->GetCredentials();
  ASSERT_EQ(c.status().code(), StatusCode::kNotFound);
  for (const char* source :
       {"environment", "profile default", "web-identity", "container", "ec2-instance-metadata"}) {
    EXPECT_NE(c.status().message().find(source), std::string::npos) << c.status().message();
  }
}

TEST_F(ChainTest, ImdsCanBeDisabled) {
  env_.Set("HOME", dir_.path().string());
  env_.Set("AWS_EC2_METADATA_DISABLED", "true");
  EXPECT_EQ(Chain()->GetCredentials().status().code(), StatusCode::kNotFound);
  EXPECT_EQ(http_.calls(), 0u);
}

TEST(AwsSettings, RegionAndEndpointPrecedence) {
  MapEnvironment env({{"AWS_DEFAULT_REGION", "eu-north-1"},
                      {"AWS_ENDPOINT_URL", "http://all"},
                      {"AWS_ENDPOINT_URL_S3", "http://s3only"}});
  AwsSettings s = ResolveAwsSettings(env, {});
  EXPECT_EQ(s.region, "eu-north-1");
  EXPECT_EQ(s.s3_endpoint, "http://s3only");
  EXPECT_EQ(s.sts_endpoint, "http://all");
  env.Set("AWS_REGION", "us-west-2");
  EXPECT_EQ(ResolveAwsSettings(env, {}).region, "us-west-2");
  EXPECT_EQ(ResolveAwsSettings(env, {"", "ca-central-1", "http://mine", ""}).s3_endpoint,
            "http://mine");
  EXPECT_EQ(ResolveAwsSettings(MapEnvironment(), {}).region, "us-east-1");
}

TEST(StsParsing, ReadsCredentialsAndExpiration) {
  auto c = ParseStsCredentials(kStsXml);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIATEMP");
  EXPECT_EQ(c->secret_access_key, "temp/secret+key");
  EXPECT_EQ(c->session_token, "FwoG&token");
  EXPECT_EQ(c->expiration, 1'700'003'600'000'000LL);
  EXPECT_EQ(ParseStsCredentials("<AssumeRoleResponse/>").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseStsCredentials("<a><b></a>").ok());
}

TEST(StsClient, AssumeRoleSendsExternalIdAndMapsDenial) {
  FakeHttpClient http;
  sluice::testing::FakeClock clock(1'700'000'000'000'000LL);
  StsClient sts(StsOptions{"us-east-1", "http://sts.local", RetryOptions{3, 10, 10, 1000}}, http,
                clock);
  http.Enqueue(403,
               "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
               "<Message>User: arn:aws:iam::1:user/u is not authorized to perform: "
               "sts:AssumeRole</Message></Error><RequestId>R1</RequestId></ErrorResponse>");
  auto r = sts.AssumeRole({"arn:aws:iam::1:role/r", "sess", "sluice:o:p:a", 900},
                          {"AKID", "secret", "", 0});
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("AccessDenied"), std::string::npos);
  EXPECT_NE(r.status().message().find("R1"), std::string::npos);
  EXPECT_EQ(http.calls(), 1u);
  const auto req = http.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_NE(req.body.find("ExternalId=sluice%3Ao%3Ap%3Aa"), std::string::npos) << req.body;
  EXPECT_NE(req.body.find("RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr"), std::string::npos);
  EXPECT_NE(FindHeader(req.headers, "Authorization")->find("/us-east-1/sts/aws4_request"),
            std::string::npos);
}

TEST(AssumeRoleProvider, CachesAndRefreshesAheadOfExpiry) {
  FakeHttpClient http;
  sluice::testing::FakeClock clock(1'700'000'000'000'000LL);  // expiry in kStsXml is +1 h
  StsClient sts(StsOptions{"us-east-1", "http://sts.local", {}}, http, clock);
  StaticCredentialsProvider source({"AKID", "secret", "", 0});
  AssumeRoleCredentialsProvider provider(sts, source, {"arn:aws:iam::1:role/r", "s", "", 3600},
                                         clock);
  http.SetFallback([](const testing::RecordedRequest&) -> Result<HttpResponse> {
    return HttpResponse{200, {}, kStsXml};
  });
  ASSERT_TRUE(provider.GetCredentials().ok());
  clock.Advance(50LL * 60 * 1'000'000);  // 10 minutes left: still cached
  ASSERT_TRUE(provider.GetCredentials().ok());
  EXPECT_EQ(http.calls(), 1u);
  clock.Advance(6LL * 60 * 1'000'000);  // 4 minutes left: refreshed
  ASSERT_TRUE(provider.GetCredentials().ok());
  EXPECT_EQ(http.calls(), 2u);
  provider.Invalidate();
  ASSERT_TRUE(provider.GetCredentials().ok());
  EXPECT_EQ(http.calls(), 3u);
}

// A source identity whose answer the test sets.
class SwitchableSource final : public CredentialsProvider {
 public:
  Result<AwsCredentials> GetCredentials() override {
    if (!failure.ok()) return failure;
    return AwsCredentials{"AKID", "secret", "", 0};
  }
  std::string Name() const override { return "switchable"; }
  Status failure;
};

TEST(AssumeRoleProvider, KeepsValidCredentialsWhileItsSourceIsBrieflyUnreachable) {
  FakeHttpClient http;
  sluice::testing::FakeClock clock(1'700'000'000'000'000LL);  // expiry in kStsXml is +1 h
  StsClient sts(StsOptions{"us-east-1", "http://sts.local", {}}, http, clock);
  SwitchableSource source;
  AssumeRoleCredentialsProvider provider(sts, source, {"arn:aws:iam::1:role/r", "s", "", 3600},
                                         clock);
  http.SetFallback([](const testing::RecordedRequest&) -> Result<HttpResponse> {
    return HttpResponse{200, {}, kStsXml};
  });
  ASSERT_TRUE(provider.GetCredentials().ok());
  clock.Advance(56LL * 60 * 1'000'000);  // 4 minutes left: due for a refresh
  source.failure = UnavailableError("the metadata endpoint timed out");
  auto kept = provider.GetCredentials();
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_FALSE(kept->access_key_id.empty());
  // A refusal is not transient: it is reported, not hidden behind the held credentials.
  source.failure = PermissionDeniedError("the source identity was revoked");
  EXPECT_EQ(provider.GetCredentials().status().code(), StatusCode::kPermissionDenied);
  // Once they have expired, a transient failure is reported too.
  source.failure = UnavailableError("the metadata endpoint timed out");
  clock.Advance(5LL * 60 * 1'000'000);
  EXPECT_EQ(provider.GetCredentials().status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(http.calls(), 1u);
}

TEST(AssumeRoleProvider, ConcurrentCallersShareOneStsCall) {
  FakeHttpClient http;
  sluice::testing::FakeClock clock(1'700'000'000'000'000LL);
  StsClient sts(StsOptions{"us-east-1", "http://sts.local", {}}, http, clock);
  StaticCredentialsProvider source({"AKID", "secret", "", 0});
  AssumeRoleCredentialsProvider provider(sts, source, {"arn:aws:iam::1:role/r", "s", "", 3600},
                                         clock);
  http.SetFallback([](const testing::RecordedRequest&) -> Result<HttpResponse> {
    return HttpResponse{200, {}, kStsXml};
  });
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 50; ++j) ok += provider.GetCredentials().ok();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 400);
  EXPECT_EQ(http.calls(), 1u);
}

}  // namespace
}  // namespace sluice::cloud
