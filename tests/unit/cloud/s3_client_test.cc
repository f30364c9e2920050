// S3Client over a FakeHttpClient and FakeClock: retries, error mapping, credential refresh,
// addressing and multipart requests.
#include "cloud/s3/s3_client.h"

#include <gtest/gtest.h>

#include "cloud/s3/s3_errors.h"
#include "fake_http_client.h"
#include "testing/fake_clock.h"

namespace sluice::cloud {
namespace {

using testing::FakeHttpClient;

std::string S3ErrorXml(const std::string& code, const std::string& msg = "m") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" +
         msg + "</Message><RequestId>REQ123</RequestId></Error>";
}

// Counts GetCredentials/Invalidate calls and hands out numbered credentials.
class CountingProvider final : public CredentialsProvider {
 public:
  Result<AwsCredentials> GetCredentials() override {
    ++gets;
    return AwsCredentials{"AKID" + std::to_string(invalidations), "secret", "token", 0};
  }
  void Invalidate() override { ++invalidations; }
  std::string Name() const override { return "counting"; }
  int gets = 0;
  int invalidations = 0;
};

class S3ClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<S3Client> Client(S3ClientOptions o = {}) {
    o.retry = RetryOptions{5, 100, 2'000, 10'000};
    return std::make_unique<S3Client>("my-bucket", o, http_, creds_, clock_);
  }
  FakeHttpClient http_;
  CountingProvider creds_;
  sluice::testing::FakeClock clock_;
};

TEST_F(S3ClientTest, SlowDownTwiceThenSuccessTakesThreeCalls) {
  http_.Enqueue(503, S3ErrorXml("SlowDown"));
  http_.Enqueue(503, S3ErrorXml("SlowDown"));
  http_.Enqueue(200);
  const int64_t start = clock_.NowMicros();
  EXPECT_TRUE(Client()->Put("a/b.jsonl", "data").ok());
  EXPECT_EQ(http_.calls(), 3u);
  // Full jitter: each backoff is at most 100 ms then 200 ms.
  EXPECT_LE(clock_.NowMicros() - start, 300'000);
}

TEST_F(S3ClientTest, AccessDeniedIsNotRetried) {
  http_.Enqueue(403, S3ErrorXml("AccessDenied", "Access Denied"));
  const Status s = Client()->Put("a/b.jsonl", "data");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(http_.calls(), 1u);
  EXPECT_NE(s.message().find("PutObject s3://my-bucket/a/b.jsonl: AccessDenied (HTTP 403)"),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("REQ123"), std::string::npos);
}

TEST_F(S3ClientTest, RepeatedTimeoutsAreBoundedAndReported) {
  http_.SetFallback([](const testing::RecordedRequest&) -> Result<HttpResponse> {
    return DeadlineExceededError("HTTP transport: Timeout was reached");
  });
  const Status s = Client()->Put("k", "data");
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(http_.calls(), 5u);
  EXPECT_NE(s.message().find("gave up after 5 attempts"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("Timeout"), std::string::npos);
}

TEST_F(S3ClientTest, TotalTimeBoundStopsRetriesEarly) {
  http_.SetFallback([this](const testing::RecordedRequest&) -> Result<HttpResponse> {
    clock_.Advance(4'000'000);  // each attempt takes 4 s
    return UnavailableError("HTTP transport: Connection reset by peer");
  });
  S3ClientOptions bounded;
  bounded.retry = RetryOptions{100, 100, 1'000, 10'000};
  auto c2 = std::make_unique<S3Client>("my-bucket", bounded, http_, creds_, clock_);
  EXPECT_EQ(c2->Put("k", "x").code(), StatusCode::kUnavailable);
  EXPECT_LE(http_.calls(), 3u);
}

TEST_F(S3ClientTest, ExpiredTokenRefreshesCredentialsOnceAndRetries) {
  http_.Enqueue(400, S3ErrorXml("ExpiredToken"));
  http_.Enqueue(200);
  EXPECT_TRUE(Client()->Put("k", "x").ok());
  EXPECT_EQ(creds_.invalidations, 1);
  const auto reqs = http_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_NE(FindHeader(reqs[1].headers, "Authorization")->find("Credential=AKID1/"),
            std::string::npos);
}

TEST_F(S3ClientTest, ExpiredTokenTwiceIsAnError) {
  http_.Enqueue(400, S3ErrorXml("ExpiredToken"));
  http_.Enqueue(400, S3ErrorXml("ExpiredToken"));
  const Status s = Client()->Put("k", "x");
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(http_.calls(), 2u);
}

TEST_F(S3ClientTest, AddressingVirtualHostedPathStyleAndEndpointOverride) {
  http_.SetFallback([](const testing::RecordedRequest&) -> Result<HttpResponse> {
    return HttpResponse{200, {}, ""};
  });
  S3ClientOptions o;
  o.region = "eu-west-1";
  ASSERT_TRUE(Client(o)->Put("dir/a b.json", "x").ok());
  o.endpoint = "http://127.0.0.1:9000";
  o.path_style = true;
  ASSERT_TRUE(Client(o)->Put("dir/a b.json", "x").ok());
  const auto reqs = http_.requests();
  EXPECT_EQ(reqs[0].url, "https://my-bucket.s3.eu-west-1.amazonaws.com/dir/a%20b.json");
  EXPECT_EQ(reqs[1].url, "http://127.0.0.1:9000/my-bucket/dir/a%20b.json");
  EXPECT_NE(FindHeader(reqs[0].headers, "Authorization")->find("/eu-west-1/s3/aws4_request"),
            std::string::npos);
  EXPECT_EQ(*FindHeader(reqs[0].headers, "X-Amz-Security-Token"), "token");
}

TEST_F(S3ClientTest, AnIpOrLocalhostEndpointIsAddressedPathStyle) {
  http_.SetFallback([](const testing::RecordedRequest&) -> Result<HttpResponse> {
    return HttpResponse{200, {}, ""};
  });
  S3ClientOptions o;
  for (const char* endpoint :
       {"http://127.0.0.1:9000", "http://localhost:4566", "http://[::1]:9000", "https://10.0.0.7",
        "http://minio.internal:9000"}) {
    o.endpoint = endpoint;
    ASSERT_TRUE(Client(o)->Put("k", "x").ok());
  }
  const auto reqs = http_.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[0].url, "http://127.0.0.1:9000/my-bucket/k");
  EXPECT_EQ(reqs[1].url, "http://localhost:4566/my-bucket/k");
  EXPECT_EQ(reqs[2].url, "http://[::1]:9000/my-bucket/k");
  EXPECT_EQ(reqs[3].url, "https://10.0.0.7/my-bucket/k");
  // A DNS name stays virtual-hosted unless path style is asked for.
  EXPECT_EQ(reqs[4].url, "http://my-bucket.minio.internal:9000/k");
}

TEST_F(S3ClientTest, ListFollowsContinuationTokens) {
  http_.Enqueue(200,
                "<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>p/1</Key><Size>3"
                "</Size></Contents><NextContinuationToken>tok&amp;1</NextContinuationToken>"
                "</ListBucketResult>");
  http_.Enqueue(200,
                "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>p/2</Key>"
                "<Size>4</Size></Contents></ListBucketResult>");
  auto all = Client()->ListAll("p");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].key, "p/2");
  EXPECT_NE(http_.requests()[1].url.find("continuation-token=tok%261"), std::string::npos);
}

TEST_F(S3ClientTest, ConnectionResetDuringAPartIsRetriedAndTheUploadCompletes) {
  S3ClientOptions o;
  o.multipart = MultipartOptions{kMinPartSizeBytes, kMinPartSizeBytes};
  http_.Enqueue(200,
                "<InitiateMultipartUploadResult><UploadId>U1</UploadId>"
                "</InitiateMultipartUploadResult>");
  http_.EnqueueError(UnavailableError("HTTP transport: Connection reset by peer"));
  http_.Enqueue(200, "", {{"ETag", "\"e1\""}});
  http_.Enqueue(200, "", {{"ETag", "\"e2\""}});
  http_.Enqueue(200,
                "<CompleteMultipartUploadResult><ETag>\"x-2\"</ETag>"
                "</CompleteMultipartUploadResult>");
  const std::string data(kMinPartSizeBytes + 10, 'z');
  EXPECT_TRUE(Client(o)->Put("big", data).ok());
  const auto reqs = http_.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_NE(reqs[2].url.find("partNumber=1&uploadId=U1"), std::string::npos);
  EXPECT_EQ(reqs[2].body.size(), static_cast<size_t>(kMinPartSizeBytes));
  EXPECT_EQ(reqs[4].body,
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;e1&quot;"
            "</ETag></Part><Part><PartNumber>2</PartNumber><ETag>&quot;e2&quot;</ETag></Part>"
            "</CompleteMultipartUpload>");
}

TEST_F(S3ClientTest, AFailedPartAbortsTheUpload) {
  S3ClientOptions o;
  o.multipart = MultipartOptions{kMinPartSizeBytes, kMinPartSizeBytes};
  http_.Enqueue(200,
                "<InitiateMultipartUploadResult><UploadId>U9</UploadId>"
                "</InitiateMultipartUploadResult>");
  http_.Enqueue(403, S3ErrorXml("AccessDenied"));
  http_.Enqueue(204);
  const Status s = Client(o)->Put("big", std::string(kMinPartSizeBytes + 1, 'z'));
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  const auto reqs = http_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[2].method, "DELETE");
  EXPECT_NE(reqs[2].url.find("uploadId=U9"), std::string::npos);
}

TEST(S3Errors, MapsCodesByWhatTheCallerShouldDo) {
  auto map = [](int http, const std::string& code) {
    return AwsErrorToStatus(ParseAwsError({http, {}, S3ErrorXml(code)}), "Op", "r").code();
  };
  EXPECT_EQ(map(403, "AccessDenied"), StatusCode::kPermissionDenied);
  EXPECT_EQ(map(404, "NoSuchBucket"), StatusCode::kNotFound);
  EXPECT_EQ(map(503, "SlowDown"), StatusCode::kUnavailable);
  EXPECT_EQ(map(500, "InternalError"), StatusCode::kUnavailable);
  EXPECT_EQ(map(400, "RequestTimeout"), StatusCode::kUnavailable);
  EXPECT_EQ(map(403, "SignatureDoesNotMatch"), StatusCode::kUnauthenticated);
  EXPECT_EQ(map(400, "ExpiredToken"), StatusCode::kUnauthenticated);
  EXPECT_EQ(map(400, "InvalidArgument"), StatusCode::kInvalidArgument);
  EXPECT_EQ(map(412, "PreconditionFailed"), StatusCode::kFailedPrecondition);
  // Bodiless responses (HEAD) fall back on the HTTP status and the request id header.
  const AwsError head = ParseAwsError({404, {{"x-amz-request-id", "R9"}}, ""});
  const Status s = AwsErrorToStatus(head, "HeadObject", "s3://b/k");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("R9"), std::string::npos);
  // STS errors nest <Error> inside <ErrorResponse>.
  const AwsError sts =
      ParseAwsError({403,
                     {},
                     "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no"
                     "</Message></Error><RequestId>S1</RequestId></ErrorResponse>"});
  EXPECT_EQ(sts.code, "AccessDenied");
  EXPECT_EQ(sts.request_id, "S1");
}

TEST(S3Errors, CarryATypedReasonForTheProbeAndTheRunner) {
  auto reason = [](int http, const std::string& code) {
    return StorageErrorOf(AwsErrorToStatus(ParseAwsError({http, {}, S3ErrorXml(code)}), "Op", "r"));
  };
  EXPECT_EQ(reason(404, "NoSuchBucket"), StorageError::kBucketNotFound);
  EXPECT_EQ(reason(404, "NoSuchKey"), StorageError::kObjectNotFound);
  EXPECT_EQ(reason(403, "AccessDenied"), StorageError::kAccessDenied);
  EXPECT_EQ(reason(403, "InvalidAccessKeyId"), StorageError::kBadCredentials);
  EXPECT_EQ(reason(400, "ExpiredToken"), StorageError::kExpiredCredentials);
  EXPECT_EQ(reason(503, "SlowDown"), StorageError::kThrottled);
  // A code the table does not know is judged by its HTTP status.
  EXPECT_EQ(reason(503, "SomethingNew"), StorageError::kServiceError);
  // The reason survives the context callers add.
  const Status s =
      AwsErrorToStatus(ParseAwsError({404, {}, S3ErrorXml("NoSuchBucket")}), "Op", "r");
  EXPECT_EQ(StorageErrorOf(s.WithContext("writing s3://b/k")), StorageError::kBucketNotFound);
}

TEST_F(S3ClientTest, DeletingFromAMissingBucketFailsButAMissingKeySucceeds) {
  http_.Enqueue(404, S3ErrorXml("NoSuchKey", "The specified key does not exist."));
  EXPECT_TRUE(Client()->Delete("gone").ok());
  // The message names a key, but the code says the bucket is missing: an error.
  http_.Enqueue(404, S3ErrorXml("NoSuchBucket", "NoSuchKey for key gone: bucket missing"));
  const Status s = Client()->Delete("gone");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(StorageErrorOf(s), StorageError::kBucketNotFound);
}

TEST(RetryPolicy, FullJitterStaysUnderTheDoublingCap) {
  sluice::testing::FakeClock clock;
  RetryPolicy policy(RetryOptions{10, 100, 1'000, 60'000}, clock, /*seed=*/42);
  int64_t max_seen[6] = {0};
  for (int trial = 0; trial < 200; ++trial) {
    for (int retry = 0; retry < 6; ++retry) {
      const int64_t b = policy.BackoffMs(retry);
      ASSERT_GE(b, 0);
      ASSERT_LE(b, std::min<int64_t>(1'000, 100LL << retry));
      max_seen[retry] = std::max(max_seen[retry], b);
    }
  }
  // Jitter spreads over the whole range rather than sitting at 0.
  EXPECT_GT(max_seen[0], 50);
  EXPECT_GT(max_seen[5], 500);
}

TEST(RetryPolicy, NonRetryableErrorsStopAtOnceAndSuccessNeedsNoRetry) {
  sluice::testing::FakeClock clock;
  RetryPolicy policy(RetryOptions{}, clock, 1);
  int calls = 0;
  EXPECT_EQ(policy
                .Run([&] {
                  ++calls;
                  return InvalidArgumentError("bad");
                })
                .message(),
            "bad");
  EXPECT_EQ(calls, 1);
  calls = 0;
  EXPECT_TRUE(policy.Run([&] { return ++calls < 3 ? UnavailableError("x") : Status(); }).ok());
  EXPECT_EQ(calls, 3);
}

}  // namespace
}  // namespace sluice::cloud
