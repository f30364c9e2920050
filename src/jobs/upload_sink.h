// UploadSink: the OutputSink an export file is written through. It cuts the file's bytes into
// chunks, hashes each (SHA-256) as it hands it over, and a background thread writes them to the
// object upload, so encoding and hashing the next rows overlap with uploading the last ones. At
// most `max_queued` chunks' worth of bytes wait, which bounds memory; chunk buffers are reused, so
// a long file touches the same few buffers.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cloud/object_store.h"
#include "common/crypto.h"
#include "format/output_sink.h"

namespace sluice::jobs {

// Not thread-safe (one writer appends); the background thread is its own. `writer` and `hook`
// are borrowed and must outlive the sink.
class UploadSink final : public format::OutputSink {
 public:
  // `hook` (may be empty) is called with "upload" each time a chunk has been handed over.
  UploadSink(cloud::ObjectWriter& writer, size_t chunk_bytes,
             const std::function<void(std::string_view)>& hook, size_t max_queued = 2);
  // Without Close, chunks still queued are dropped (the caller aborts the upload).
  ~UploadSink() override;

  // Returns the upload's first error, if one happened since.
  Status Append(std::string_view bytes) override;
  // Hands a buffer of 64 KiB or more (or half a chunk) over without copying it (smaller ones
  // are copied);
  // `*bytes` comes back empty, often with a used buffer's capacity.
  Status AppendOwned(std::string* bytes) override;
  // Hands over the rest and waits until everything was written; returns the first error.
  Status Close() override;

  // Bytes appended so far.
  int64_t size() const { return size_; }
  // Hex SHA-256 of every byte. REQUIRES: Close() returned OK.
  std::string Sha256Hex() const { return sha256_hex_; }

 private:
  // Queues `chunk` (non-empty) for the background thread; waits while the queue is full.
  Status Enqueue(std::string chunk);
  // A cleared buffer from earlier chunks, or an empty string.
  std::string TakeFree();
  Status Hand();
  void Loop();
  void Stop(bool drain);

  cloud::ObjectWriter& writer_;
  const size_t chunk_bytes_;
  const std::function<void(std::string_view)>& hook_;
  const size_t max_queued_;
  std::string buffer_;
  int64_t size_ = 0;
  std::string sha256_hex_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;  // guarded by mu_
  size_t queued_bytes_ = 0;        // guarded by mu_
  std::vector<std::string> free_;  // guarded by mu_: written chunks, cleared
  Status error_;                   // guarded by mu_
  bool stopping_ = false;          // guarded by mu_
  bool drop_ = false;              // guarded by mu_
  Sha256Hasher hasher_;            // the producing thread's (Enqueue)
  std::thread thread_;
};

}  // namespace sluice::jobs
