// GcsClient over a FakeHttpClient: media uploads, resumable sessions (256 KiB chunks, resuming
// after a failure from what the session holds, the MD5 Cloud Storage reports), error mapping and
// the session URI kept out of messages. The loopback fake checked by Google's Node client runs
// the same paths over HTTP (tests/integration/cloud/gcs_fake_test.cc).
#include "cloud/gcp/gcs_client.h"

#include <gtest/gtest.h>

#include "cloud/gcp/google_errors.h"
#include "common/base64.h"
#include "common/crypto.h"
#include "fake_http_client.h"
#include "testing/fake_clock.h"

namespace sluice::cloud {
namespace {

using testing::FakeHttpClient;
using testing::RecordedRequest;

constexpr char kSession[] =
    "https://storage.googleapis.com/upload/storage/v1/b/bkt/"
    "o?uploadType=resumable&upload_id=SECRET";
constexpr int64_t kQuantum = kResumableChunkQuantumBytes;

std::string ObjectJson(const std::string& name, size_t size, const std::string& data) {
  return R"({"kind":"storage#object","name":")" + name + R"(","size":")" + std::to_string(size) +
         R"(","md5Hash":")" + Base64Encode(AsStringView(Md5(data))) +
         R"(","etag":"CAE=","updated":"2024-05-01T00:00:00.000Z"})";
}

std::string GoogleError(int code, const std::string& reason, const std::string& message) {
  return R"({"error":{"code":)" + std::to_string(code) + R"(,"message":")" + message +
         R"(","errors":[{"message":")" + message + R"(","domain":"global","reason":")" + reason +
         R"("}]}})";
}

class GcsClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<GcsClient> Client(int64_t threshold = 16LL << 20, int64_t chunk = 8LL << 20) {
    GcsClientOptions o;
    o.endpoint = "https://storage.googleapis.com";
    o.upload.threshold_bytes = threshold;
    o.upload.chunk_size_bytes = chunk;
    o.retry = RetryOptions{4, 100, 1'000, 10'000};
    return std::make_unique<GcsClient>("bkt", o, http_, tokens_, clock_);
  }
  FakeHttpClient http_;
  StaticTokenProvider tokens_{AccessToken{"ya29.customer", 0}};
  sluice::testing::FakeClock clock_;
};

TEST_F(GcsClientTest, SmallObjectsAreOneMediaUpload) {
  http_.Enqueue(200, ObjectJson("team/a b.jsonl", 5, "hello"));
  ASSERT_TRUE(Client()->Put("team/a b.jsonl", "hello").ok());
  const RecordedRequest r = http_.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url,
            "https://storage.googleapis.com/upload/storage/v1/b/bkt/o?uploadType=media&name="
            "team%2Fa%20b.jsonl");
  EXPECT_EQ(*FindHeader(r.headers, "Authorization"), "Bearer ya29.customer");
  EXPECT_EQ(r.body, "hello");
}

TEST_F(GcsClientTest, LargeObjectsGoInChunksOfWholeQuanta) {
  const std::string data(3 * kQuantum + 100, 'q');
  http_.Enqueue(200, "", {{"Location", kSession}});
  http_.Enqueue(308, "", {{"Range", "bytes=0-524287"}});
  http_.Enqueue(200, ObjectJson("big", data.size(), data));
  auto client = Client(kQuantum, 2 * kQuantum + 1);  // chunk rounds down to 512 KiB
  auto w = client->NewWriter("big");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(data.substr(0, kQuantum + 7)).ok());
  ASSERT_TRUE((*w)->Write(data.substr(kQuantum + 7)).ok());
  auto info = (*w)->Finish();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size_bytes, static_cast<int64_t>(data.size()));
  const auto reqs = http_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_NE(reqs[0].url.find("uploadType=resumable&name=big"), std::string::npos);
  EXPECT_EQ(*FindHeader(reqs[0].headers, "X-Upload-Content-Type"), "application/octet-stream");
  EXPECT_EQ(reqs[1].url, kSession);
  EXPECT_EQ(*FindHeader(reqs[1].headers, "Content-Range"), "bytes 0-524287/*");
  EXPECT_EQ(reqs[1].body.size(), static_cast<size_t>(2 * kQuantum));
  EXPECT_EQ(*FindHeader(reqs[2].headers, "Content-Range"), "bytes 524288-786531/786532");
  // The session URI authorises the upload by itself: no bearer token goes to it.
  EXPECT_EQ(FindHeader(reqs[1].headers, "Authorization"), nullptr);
}

TEST_F(GcsClientTest, AFailedChunkResumesFromWhatTheSessionHolds) {
  const std::string data(2 * kQuantum + 10, 'r');
  http_.Enqueue(200, "", {{"Location", kSession}});
  http_.EnqueueError(UnavailableError("HTTP transport: Connection reset by peer"));
  http_.Enqueue(308, "", {{"Range", "bytes=0-131071"}});  // half a quantum arrived
  http_.Enqueue(308, "", {{"Range", "bytes=0-262143"}});
  http_.Enqueue(308, "", {{"Range", "bytes=0-524287"}});
  http_.Enqueue(200, ObjectJson("k", data.size(), data));
  auto client = Client(kQuantum, kQuantum);
  auto w = client->NewWriter("k");
  ASSERT_TRUE((*w)->Write(data).ok());
  auto info = (*w)->Finish();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  const auto reqs = http_.requests();
  ASSERT_EQ(reqs.size(), 6u);
  EXPECT_EQ(*FindHeader(reqs[1].headers, "Content-Range"), "bytes 0-262143/*");
  EXPECT_EQ(*FindHeader(reqs[2].headers, "Content-Range"), "bytes */*");  // the status query
  EXPECT_TRUE(reqs[2].body.empty());
  EXPECT_EQ(*FindHeader(reqs[3].headers, "Content-Range"), "bytes 131072-262143/*");
  EXPECT_EQ(reqs[3].body.size(), 131072u);
  EXPECT_EQ(*FindHeader(reqs[4].headers, "Content-Range"), "bytes 262144-524287/*");
  EXPECT_EQ(*FindHeader(reqs[5].headers, "Content-Range"), "bytes 524288-524297/524298");
}

TEST_F(GcsClientTest, AnEmptyLastChunkDeclaresTheTotal) {
  const std::string data(kQuantum, 's');
  http_.Enqueue(200, "", {{"Location", kSession}});
  http_.Enqueue(308, "", {{"Range", "bytes=0-262143"}});
  http_.Enqueue(200, ObjectJson("k", data.size(), data));
  auto client = Client(kQuantum - 1, kQuantum);
  auto w = client->NewWriter("k");
  ASSERT_TRUE((*w)->Write(data).ok());
  ASSERT_TRUE((*w)->Finish().ok());
  const auto reqs = http_.requests();
  EXPECT_EQ(*FindHeader(reqs[2].headers, "Content-Range"), "bytes */262144");
  EXPECT_TRUE(reqs[2].body.empty());
}

TEST_F(GcsClientTest, AChecksumMismatchIsDataLossAndTheSessionUriStaysSecret) {
  http_.Enqueue(200, ObjectJson("k", 5, "other"));
  const Status s = Client()->Put("k", "hello");
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  const std::string data(2 * kQuantum, 'x');
  http_.Enqueue(200, "", {{"Location", kSession}});
  http_.Enqueue(410, GoogleError(410, "gone", "The upload session has expired."));
  auto client = Client(kQuantum, kQuantum);
  auto w = client->NewWriter("k");
  const Status expired = (*w)->Write(data);
  EXPECT_FALSE(expired.ok());
  EXPECT_EQ(expired.message().find("SECRET"), std::string::npos) << expired.message();
  EXPECT_EQ(expired.message().find("upload_id"), std::string::npos);
  // The failed writer cancels its session.
  EXPECT_EQ(http_.requests().back().method, "DELETE");
}

TEST_F(GcsClientTest, NotFoundOnAnUploadMeansTheBucketIsMissing) {
  http_.Enqueue(404, GoogleError(404, "notFound", "The specified bucket does not exist."));
  const Status s = Client()->Put("k", "x");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(StorageErrorOf(s), StorageError::kBucketNotFound);
  EXPECT_EQ(s.message(),
            "objects.insert gs://bkt/k: notFound (HTTP 404): The specified bucket does not exist.");
  http_.Enqueue(404, GoogleError(404, "notFound", "No such object: bkt/k"));
  EXPECT_EQ(StorageErrorOf(Client()->Get("k").status()), StorageError::kObjectNotFound);
  http_.Enqueue(404, GoogleError(404, "notFound", "No such object: bkt/k"));
  EXPECT_TRUE(Client()->Delete("k").ok());
}

TEST_F(GcsClientTest, ErrorsAreJudgedByReasonAndStatus) {
  auto judge = [](int http, const std::string& reason) {
    return GoogleErrorToStatus(ParseGoogleError({http, {}, GoogleError(http, reason, "m")}), "op",
                               "gs://b/k");
  };
  EXPECT_EQ(judge(403, "forbidden").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(StorageErrorOf(judge(403, "forbidden")), StorageError::kAccessDenied);
  EXPECT_EQ(judge(401, "required").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(judge(429, "rateLimitExceeded").code(), StatusCode::kUnavailable);
  EXPECT_EQ(StorageErrorOf(judge(429, "rateLimitExceeded")), StorageError::kThrottled);
  EXPECT_EQ(judge(503, "backendError").code(), StatusCode::kUnavailable);
  EXPECT_EQ(judge(412, "conditionNotMet").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(judge(400, "invalid").code(), StatusCode::kInvalidArgument);
}

class CountingTokens final : public TokenProvider {
 public:
  Result<AccessToken> GetToken() override {
    return AccessToken{"ya29.t" + std::to_string(invalidations), 0};
  }
  void Invalidate() override { ++invalidations; }
  std::string Name() const override { return "counting"; }
  int invalidations = 0;
};

TEST_F(GcsClientTest, A401RefreshesTheTokenOnceAndRetries503) {
  CountingTokens tokens;
  GcsClientOptions o;
  o.retry = RetryOptions{4, 100, 1'000, 10'000};
  GcsClient client("bkt", o, http_, tokens, clock_);
  http_.Enqueue(401, GoogleError(401, "authError", "Invalid Credentials"));
  http_.Enqueue(503, GoogleError(503, "backendError", "Backend Error"));
  http_.Enqueue(200, "data");
  auto got = client.Get("k");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "data");
  const auto reqs = http_.requests();
  EXPECT_EQ(*FindHeader(reqs[0].headers, "Authorization"), "Bearer ya29.t0");
  EXPECT_EQ(*FindHeader(reqs[1].headers, "Authorization"), "Bearer ya29.t1");
  EXPECT_EQ(reqs[2].url, "https://storage.googleapis.com/storage/v1/b/bkt/o/k?alt=media");
}

TEST_F(GcsClientTest, ListFollowsPageTokens) {
  http_.Enqueue(
      200,
      R"({"items":[{"name":"p/a","size":"3","etag":"e","updated":"2024-05-01T00:00:00Z"}],"nextPageToken":"n2"})");
  http_.Enqueue(200, R"({"items":[{"name":"p/b","size":"4"}]})");
  auto all = Client()->ListAll("p/");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].size_bytes, 3);
  EXPECT_EQ((*all)[1].key, "p/b");
  const auto reqs = http_.requests();
  EXPECT_EQ(reqs[0].url,
            "https://storage.googleapis.com/storage/v1/b/bkt/o?maxResults=1000&prefix=p%2F");
  EXPECT_NE(reqs[1].url.find("pageToken=n2"), std::string::npos);
}

}  // namespace
}  // namespace sluice::cloud
