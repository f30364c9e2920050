// EventPrefetcher: reads an EventStream on a background thread in batches, so a file writer
// encodes one batch while the store reads the next. At most `max_batches` batches wait, which
// bounds memory; batch storage is reused.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "model/scan.h"

namespace sluice::jobs {

// Not thread-safe: one consumer. The stream is read only by the background thread.
class EventPrefetcher {
 public:
  EventPrefetcher(std::unique_ptr<model::EventStream> stream, size_t batch_size = 1000,
                  size_t max_batches = 4);
  // Stops reading (and waits for the thread) if the consumer did not reach the end.
  ~EventPrefetcher();

  // The next batch (non-empty), or an empty batch at the end of the stream, or the stream's
  // error. The batch stays valid until the next call.
  Result<std::vector<model::Event>*> Next();

 private:
  void Loop();

  std::unique_ptr<model::EventStream> stream_;
  const size_t batch_size_;
  const size_t max_batches_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::vector<model::Event>> ready_;  // guarded by mu_
  std::vector<std::vector<model::Event>> free_;  // guarded by mu_
  Status error_;                                 // guarded by mu_
  bool done_ = false;                            // guarded by mu_: the stream has ended
  bool stop_ = false;                            // guarded by mu_
  std::vector<model::Event> current_;            // consumer's batch
  std::thread thread_;
};

}  // namespace sluice::jobs
