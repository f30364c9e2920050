#include "jobs/upload_sink.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "common/crypto.h"

namespace sluice::jobs {
namespace {

// Collects what the upload receives; fails from the n-th chunk on when told to.
class RecordingWriter final : public cloud::ObjectWriter {
 public:
  Status Write(std::string_view chunk) override {
    if (throw_from > 0 && ++chunks >= throw_from) throw std::runtime_error("writer broke");
    if (fail_from > 0 && ++chunks >= fail_from) return PermissionDeniedError("AccessDenied");
    data.append(chunk);
    largest = std::max(largest, chunk.size());
    return Status();
  }
  Result<cloud::ObjectInfo> Finish() override { return cloud::ObjectInfo{}; }
  Status Abort() override { return Status(); }

  std::string data;
  size_t largest = 0;  // the largest chunk written
  int chunks = 0;
  int fail_from = 0;
  int throw_from = 0;  // throws instead of failing
};

TEST(UploadSink, DeliversEveryByteInOrderAndHashesThem) {
  RecordingWriter w;
  std::function<void(std::string_view)> hook;
  int handed = 0;
  hook = [&](std::string_view point) { handed += point == "upload"; };
  std::string expected;
  {
    UploadSink sink(w, 1000, hook);
    for (int i = 0; i < 5000; ++i) {
      std::string piece = std::to_string(i) + (i % 7 == 0 ? std::string(900, 'x') : ",");
      expected += piece;
      ASSERT_TRUE(sink.Append(piece).ok());
    }
    ASSERT_TRUE(sink.Close().ok());
    EXPECT_EQ(sink.size(), static_cast<int64_t>(expected.size()));
    EXPECT_EQ(sink.Sha256Hex(), HexEncode(Sha256(expected)));
  }
  EXPECT_EQ(w.data, expected);
  EXPECT_GT(handed, 100);
  // Copied bytes are cut into chunks of the sink's size, never more: each chunk buffer keeps
  // the size it was reserved at, and those buffers are what the sink holds.
  EXPECT_EQ(w.largest, 1000u);
}

// A writer hands whole buffers over (AppendOwned) between small appends: the upload still gets
// every byte once, in order, and the buffer it gets back is empty and reusable.
TEST(UploadSink, OwnedBuffersAndCopiedBytesKeepTheirOrder) {
  RecordingWriter w;
  std::function<void(std::string_view)> hook;
  std::string expected;
  {
    UploadSink sink(w, 256 << 10, hook);
    std::string buffer;
    for (int i = 0; i < 300; ++i) {
      const size_t n = (i % 3 == 0) ? (100u << 10) + i : 10u + i;  // big ones are taken whole
      buffer.assign(n, static_cast<char>('a' + i % 26));
      expected += buffer;
      ASSERT_TRUE(sink.AppendOwned(&buffer).ok());
      EXPECT_TRUE(buffer.empty());
      const std::string tail = "|" + std::to_string(i) + "|";
      expected += tail;
      ASSERT_TRUE(sink.Append(tail).ok());
    }
    ASSERT_TRUE(sink.Close().ok());
    EXPECT_EQ(sink.size(), static_cast<int64_t>(expected.size()));
    EXPECT_EQ(sink.Sha256Hex(), HexEncode(Sha256(expected)));
  }
  EXPECT_EQ(w.data, expected);
}

TEST(UploadSink, AnUploadErrorIsReturnedAndStopsTheFile) {
  RecordingWriter w;
  w.fail_from = 3;
  std::function<void(std::string_view)> hook;
  UploadSink sink(w, 100, hook);
  Status s;
  for (int i = 0; i < 10'000 && s.ok(); ++i) s = sink.Append(std::string(50, 'y'));
  if (s.ok()) s = sink.Close();
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(w.data.size(), 200u);  // the two chunks before the failure
}

// An exception in the upload thread is caught there: the file fails with it instead of the
// process ending or the writer waiting forever.
TEST(UploadSink, AnExceptionInTheUploadThreadFailsTheFile) {
  RecordingWriter w;
  w.throw_from = 2;
  std::function<void(std::string_view)> hook;
  UploadSink sink(w, 100, hook);
  Status s;
  for (int i = 0; i < 10'000 && s.ok(); ++i) s = sink.Append(std::string(50, 'y'));
  if (s.ok()) s = sink.Close();
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("writer broke"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace sluice::jobs
