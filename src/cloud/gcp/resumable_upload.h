// ResumableWriter: an ObjectWriter for Cloud Storage that buffers small objects into one
// upload and switches to a resumable upload session above a threshold (JSON API,
// uploadType=resumable): chunks of a multiple of 256 KiB sent with Content-Range, and after a
// failure the session is asked how much it holds (Content-Range: bytes */*) and the rest of the
// chunk is sent again. Memory stays at one chunk. The MD5 of every byte is compared with the
// md5Hash Cloud Storage reports for the finished object.
#pragma once

#include <memory>
#include <string>

#include "cloud/object_store.h"
#include "cloud/retry.h"
#include "common/crypto.h"

namespace sluice::cloud {

// Chunks of a resumable upload are multiples of this (except the last).
inline constexpr int64_t kResumableChunkQuantumBytes = 256 * 1024;

// What a resumable session holds after a call.
struct SessionState {
  bool complete = false;
  int64_t persisted_bytes = 0;  // when not complete
  ObjectInfo object;            // when complete
  std::string md5_base64;       // when complete, if the service said
};

// The calls a resumable upload is made of; GcsClient implements it, tests may fake it.
// Session calls are single attempts (the writer retries); the others retry themselves.
// `session` is the session URI: a credential for the upload, never put in a message.
class ResumableTarget {
 public:
  virtual ~ResumableTarget() = default;
  // One request with the whole object (uploadType=media).
  virtual Result<SessionState> UploadWhole(const std::string& key, std::string_view bytes) = 0;
  // Starts a session and returns its URI.
  virtual Result<std::string> StartSession(const std::string& key) = 0;
  // Sends `bytes` at `offset`; `total` is the object's size when this is the last chunk, -1
  // otherwise.
  virtual Result<SessionState> SendChunk(const std::string& session, int64_t offset,
                                         std::string_view bytes, int64_t total) = 0;
  virtual Result<SessionState> QuerySession(const std::string& session) = 0;
  virtual Status CancelSession(const std::string& session) = 0;
};

struct ResumableOptions {
  // Objects up to this size are one request.
  int64_t threshold_bytes = 16LL * 1024 * 1024;
  // Rounded down to a multiple of kResumableChunkQuantumBytes (at least one).
  int64_t chunk_size_bytes = 8LL * 1024 * 1024;
};

// Not thread-safe (one writer per object). `target` and `retry` are borrowed.
class ResumableWriter final : public ObjectWriter {
 public:
  ResumableWriter(ResumableTarget& target, RetryPolicy& retry, std::string key,
                  std::string describe, ResumableOptions options);
  ~ResumableWriter() override;

  Status Write(std::string_view chunk) override;
  Result<ObjectInfo> Finish() override;
  Status Abort() override;

 private:
  // Sends buffer_[0, n) at sent_ (the last chunk when `last`), resuming after failures.
  Result<SessionState> SendBuffered(size_t n, bool last);
  Result<ObjectInfo> Verify(const SessionState& state);
  Status Fail(Status status);

  ResumableTarget& target_;
  RetryPolicy& retry_;
  const std::string key_;
  const std::string describe_;  // "gs://bucket/key", for messages
  const int64_t threshold_;
  const int64_t chunk_size_;
  std::string buffer_;
  std::string session_;
  int64_t sent_ = 0;   // bytes the session holds
  int64_t total_ = 0;  // bytes written so far
  Md5Hasher md5_;
  bool done_ = false;
};

}  // namespace sluice::cloud
