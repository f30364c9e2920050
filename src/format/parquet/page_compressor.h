// PageCompressor: compresses a file's data pages, on a background thread when asked, so the
// writer encodes the next page while the last one is compressed (for ZSTD, compression is most
// of a Parquet writer's work). Pages come back in the order they were submitted by whoever
// waits for them; at most `max_in_flight` wait uncompressed, which bounds memory.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "format/compression.h"

namespace sluice::format::parquet {

// One page: `body` is what the writer encoded; once done, `stored` is what goes to the file
// (the compressed body, or the body itself without compression) or `status` says why not.
struct PageJob {
  std::string body;
  std::string stored;
  Status status;
  bool done = false;  // guarded by the compressor's mutex while in flight
};

// Thread-safe for one submitting thread and the compressor's own thread. Destroying it while
// jobs are in flight waits for them.
class PageCompressor {
 public:
  PageCompressor(Compression codec, int level, bool background, size_t max_in_flight = 8);
  ~PageCompressor();
  PageCompressor(const PageCompressor&) = delete;
  PageCompressor& operator=(const PageCompressor&) = delete;

  // An empty buffer to encode a page into (reused storage when there is some).
  std::string TakeBuffer();
  // Starts compressing job->body. The job must stay alive until Wait(job) returned. Without a
  // background thread the job is done on return.
  void Submit(PageJob* job);
  // Waits until the job is done.
  void Wait(PageJob* job);
  // Gives a finished job's buffers back for reuse.
  void Recycle(PageJob* job);

 private:
  void Loop();

  const Compression codec_;
  const bool background_;
  const size_t max_in_flight_;
  BlockCompressor compressor_;  // the background thread's, or the caller's without one
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<PageJob*> queue_;     // guarded by mu_
  size_t in_flight_ = 0;           // guarded by mu_: submitted and not yet done
  std::vector<std::string> free_;  // guarded by mu_
  bool stop_ = false;              // guarded by mu_
  std::thread thread_;
};

}  // namespace sluice::format::parquet
