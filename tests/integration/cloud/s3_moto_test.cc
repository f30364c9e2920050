// Integration: sluice's S3 and STS clients against moto in strict mode (signatures and IAM
// policies enforced). See moto_setup.py for the identities and policies.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "cloud/aws/sts_client.h"
#include "cloud/http/curl_http_client.h"
#include "cloud/probe.h"
#include "cloud/s3/s3_client.h"
#include "common/crypto.h"
#include "moto_server.h"

namespace sluice::cloud {
namespace {

constexpr char kBucket[] = "sluice-it";
constexpr char kExternalId[] = "sluice:org-1:proj-1:auto-1";

class S3MotoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    moto_ = new testing::MotoServer();
    const Status s = moto_->Start(kBucket, kExternalId);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  static void TearDownTestSuite() {
    delete moto_;
    moto_ = nullptr;
  }

  static RetryOptions QuickRetry() { return RetryOptions{3, 10, 100, 5'000}; }

  StsClient Sts() {
    return StsClient(StsOptions{"us-east-1", moto_->endpoint(), QuickRetry()}, http_, RealClock());
  }

  AwsCredentials UserCredentials() const {
    return {moto_->identity().access_key_id, moto_->identity().secret_access_key, "", 0};
  }

  Result<AwsCredentials> AssumeRole(const std::string& external_id) {
    StsClient sts = Sts();
    return sts.AssumeRole({moto_->identity().role_arn, "sluice-it", external_id, 900},
                          UserCredentials());
  }

  std::unique_ptr<S3Client> Client(CredentialsProvider& creds) {
    S3ClientOptions o;
    o.endpoint = moto_->endpoint();
    o.path_style = true;
    o.retry = QuickRetry();
    return std::make_unique<S3Client>(kBucket, o, http_, creds, RealClock());
  }

  static testing::MotoServer* moto_;
  CurlHttpClient http_;
};

testing::MotoServer* S3MotoTest::moto_ = nullptr;

TEST_F(S3MotoTest, MotoIsStrictOnceSetUpIsDone) {
  // The setup used exactly kSetupRequests unauthenticated requests; from then on moto checks
  // every signature against its IAM users.
  StaticCredentialsProvider unknown(AwsCredentials{"AKIAUNKNOWNKEY000000", "x", "", 0});
  const Status put = Client(unknown)->Put("allowed/x", "x");
  EXPECT_EQ(put.code(), StatusCode::kUnauthenticated) << put.ToString();
  EXPECT_NE(put.message().find("InvalidAccessKeyId"), std::string::npos) << put.ToString();
}

TEST_F(S3MotoTest, AssumeRoleWithTheRightExternalIdWorks) {
  auto creds = AssumeRole(kExternalId);
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  EXPECT_FALSE(creds->session_token.empty());
  EXPECT_GT(creds->expiration, RealClock().NowMicros());
}

TEST_F(S3MotoTest, AssumeRoleWithAnotherTenantsExternalIdIsDenied) {
  auto creds = AssumeRole("sluice:org-2:proj-9:auto-7");
  ASSERT_FALSE(creds.ok());
  EXPECT_EQ(creds.status().code(), StatusCode::kPermissionDenied) << creds.status().ToString();
  EXPECT_NE(creds.status().message().find("AccessDenied"), std::string::npos);
}

TEST_F(S3MotoTest, PutGetListDeleteUnderTheAllowedPrefix) {
  auto creds = AssumeRole(kExternalId);
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  StaticCredentialsProvider provider(*creds);
  auto s3 = Client(provider);
  const std::string key = "allowed/2026-11-28/export_001.jsonl";
  ASSERT_TRUE(s3->Put(key, "{\"id\":1}\n").ok());
  auto got = s3->Get(key);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "{\"id\":1}\n");
  auto head = s3->Head(key);
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->size_bytes, 9);
  // moto rejects the signature of a ListObjects whose prefix holds '/', so list by "allowed".
  auto listed = s3->ListAll("allowed");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  bool found = false;
  for (const auto& o : *listed) found |= o.key == key;
  EXPECT_TRUE(found);
  ASSERT_TRUE(s3->Delete(key).ok());
  auto gone = s3->Get(key);
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound) << gone.status().ToString();
}

TEST_F(S3MotoTest, WritesOutsideThePrefixAreDenied) {
  auto creds = AssumeRole(kExternalId);
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  StaticCredentialsProvider provider(*creds);
  auto s3 = Client(provider);
  const Status put = s3->Put("elsewhere/x.jsonl", "x");
  EXPECT_EQ(put.code(), StatusCode::kPermissionDenied) << put.ToString();
  EXPECT_NE(put.message().find("s3://sluice-it/elsewhere/x.jsonl"), std::string::npos);
  EXPECT_EQ(s3->Get("elsewhere/x.jsonl").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s3->Delete("elsewhere/x.jsonl").code(), StatusCode::kPermissionDenied);
}

TEST_F(S3MotoTest, AWrongSecretGivesSignatureDoesNotMatch) {
  AwsCredentials bad = UserCredentials();
  bad.secret_access_key = "not-the-secret-at-all-0000000000000000000";
  StaticCredentialsProvider provider(bad);
  const Status put = Client(provider)->Put("allowed/x", "x");
  EXPECT_EQ(put.code(), StatusCode::kUnauthenticated) << put.ToString();
  EXPECT_NE(put.message().find("SignatureDoesNotMatch"), std::string::npos) << put.ToString();
  auto sts = Sts().AssumeRole({moto_->identity().role_arn, "s", kExternalId, 900}, bad);
  EXPECT_FALSE(sts.ok());
}

TEST_F(S3MotoTest, AForgedSessionTokenIsRejected) {
  auto creds = AssumeRole(kExternalId);
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  AwsCredentials forged = *creds;
  forged.session_token = "FQoGZXIvYXdzEForgedTokenThatWasNeverIssued";
  StaticCredentialsProvider provider(forged);
  const Status put = Client(provider)->Put("allowed/forged", "x");
  EXPECT_EQ(put.code(), StatusCode::kUnauthenticated) << put.ToString();
  EXPECT_NE(put.message().find("InvalidToken"), std::string::npos) << put.ToString();
}

TEST_F(S3MotoTest, A64MiBMultipartUploadReadsBackIdenticalWithBoto3) {
  auto creds = AssumeRole(kExternalId);
  ASSERT_TRUE(creds.ok()) << creds.status().ToString();
  StaticCredentialsProvider provider(*creds);
  auto s3 = Client(provider);
  const std::string key = "allowed/big/object.bin";
  std::string data(64 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 2654435761u) >> 13);
  auto writer = s3->NewWriter(key);
  ASSERT_TRUE(writer.ok());
  for (size_t off = 0; off < data.size(); off += 3 << 20) {
    ASSERT_TRUE((*writer)->Write(std::string_view(data).substr(off, 3 << 20)).ok());
  }
  auto info = (*writer)->Finish();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size_bytes, 64 << 20);
  EXPECT_NE(info->etag.find("-8"), std::string::npos) << "expected 8 parts, etag " << info->etag;

  const std::string cmd =
      "python3 -c \"import boto3,hashlib,sys; s=boto3.client('s3',endpoint_url='" +
      moto_->endpoint() + "',region_name='us-east-1',aws_access_key_id='" + creds->access_key_id +
      "',aws_secret_access_key='" + creds->secret_access_key + "',aws_session_token='" +
      creds->session_token + "'); print(hashlib.sha256(s.get_object(Bucket='" + kBucket +
      "',Key='" + key + "')['Body'].read()).hexdigest())\"";
  auto out = testing::RunCommand(cmd);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->substr(0, 64), HexEncode(Sha256(data)));
  EXPECT_TRUE(s3->Delete(key).ok());
}

std::vector<ProbeStep> RunProbe(const std::string& destination, const std::string& external_id,
                                const AwsCredentials& base, const std::string& endpoint,
                                const std::string& role_arn, HttpClient& http) {
  StaticCredentialsProvider provider(base);
  DestinationFactoryOptions options;
  options.aws.s3_endpoint = endpoint;
  options.aws.sts_endpoint = endpoint;
  options.s3_path_style = true;
  options.retry = RetryOptions{3, 200, 1'000, 10'000};
  MapEnvironment env;
  DestinationFactory factory(options, http, provider, env, RealClock());
  DestinationCredentials credentials;
  credentials.type = DestinationCredentials::Type::kAwsIam;
  credentials.role_arn = role_arn;
  credentials.external_id = external_id;
  return ProbeDestination(factory, {destination, credentials});
}

std::string Describe(const std::vector<ProbeStep>& steps) {
  std::string out;
  for (const auto& s : steps) out += s.name + (s.ok ? " ok: " : " FAILED: ") + s.message + "\n";
  return out;
}

TEST_F(S3MotoTest, ProbeSucceedsWithTheRightRoleAndPrefix) {
  auto steps = RunProbe(std::string("s3://") + kBucket + "/allowed/exports", kExternalId,
                        UserCredentials(), moto_->endpoint(), moto_->identity().role_arn, http_);
  EXPECT_TRUE(ProbeSucceeded(steps)) << Describe(steps);
  ASSERT_EQ(steps.size(), 6u) << Describe(steps);
  EXPECT_EQ(steps[2].name, "assume role");
  EXPECT_EQ(steps[5].name, "delete");
}

TEST_F(S3MotoTest, ProbeExplainsAWrongExternalId) {
  auto steps = RunProbe(std::string("s3://") + kBucket + "/allowed", "sluice:other:tenant",
                        UserCredentials(), moto_->endpoint(), moto_->identity().role_arn, http_);
  ASSERT_FALSE(ProbeSucceeded(steps));
  EXPECT_EQ(steps.back().name, "assume role");
  EXPECT_NE(steps.back().message.find("trust policy must allow sts:AssumeRole for " +
                                      moto_->identity().user_arn +
                                      " with the condition sts:ExternalId = sluice:other:tenant"),
            std::string::npos)
      << Describe(steps);
}

TEST_F(S3MotoTest, ProbeExplainsAMissingPutPermission) {
  auto steps = RunProbe(std::string("s3://") + kBucket + "/elsewhere", kExternalId,
                        UserCredentials(), moto_->endpoint(), moto_->identity().role_arn, http_);
  ASSERT_FALSE(ProbeSucceeded(steps));
  EXPECT_EQ(steps.back().name, "put");
  EXPECT_NE(steps.back().message.find("PutObject denied on s3://sluice-it/elsewhere/_sluice/"),
            std::string::npos)
      << Describe(steps);
  EXPECT_NE(steps.back().message.find("needs s3:PutObject on arn:aws:s3:::sluice-it/elsewhere/*"),
            std::string::npos)
      << Describe(steps);
}

TEST_F(S3MotoTest, ProbeExplainsAMissingBucket) {
  auto steps =
      RunProbe("s3://no-such-bucket-here/x", "", UserCredentials(), moto_->endpoint(), "", http_);
  ASSERT_FALSE(ProbeSucceeded(steps));
  EXPECT_EQ(steps.back().name, "put");
  EXPECT_NE(steps.back().message.find("bucket no-such-bucket-here does not exist"),
            std::string::npos)
      << Describe(steps);
}

}  // namespace
}  // namespace sluice::cloud
