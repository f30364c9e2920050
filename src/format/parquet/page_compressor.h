// PageCompressor: compresses a file's data pages, on background threads when asked, so the
// writer encodes the next page while earlier ones are compressed (for ZSTD, compression is most
// of a Parquet writer's work). Each page is compressed on its own with the same codec and level
// whatever thread takes it, so the bytes do not depend on the number of threads. Pages come
// back in the order they were submitted by whoever waits for them; at most `max_in_flight` wait
// uncompressed, which bounds memory.
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

// Thread-safe for one submitting thread and the compressor's own threads. Destroying it while
// jobs are in flight waits for them.
class PageCompressor {
 public:
  // `threads` 0 compresses on the submitting thread; N > 0 on N background threads (started on
  // first use). `max_in_flight` 0: 4 per thread, at least 8.
  PageCompressor(Compression codec, int level, int threads, size_t max_in_flight = 0);
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
  void Loop(BlockCompressor* compressor);

  const Compression codec_;
  const int threads_;
  const size_t max_in_flight_;
  BlockCompressor compressor_;  // the caller's, without background threads
  std::vector<std::unique_ptr<BlockCompressor>> thread_compressors_;  // one per thread
  std::mutex mu_;
  std::condition_variable work_cv_;  // a job was queued, or stop_
  std::condition_variable done_cv_;  // a job is done
  std::deque<PageJob*> queue_;       // guarded by mu_
  size_t in_flight_ = 0;             // guarded by mu_: submitted and not yet done
  std::vector<std::string> free_;    // guarded by mu_
  bool stop_ = false;                // guarded by mu_
  std::vector<std::thread> workers_;
};

}  // namespace sluice::format::parquet
