#include "jobs/event_prefetcher.h"

#include "common/catch_all.h"

namespace sluice::jobs {

EventPrefetcher::EventPrefetcher(std::unique_ptr<model::EventStream> stream, size_t batch_size,
                                 size_t max_batches)
    : stream_(std::move(stream)), batch_size_(batch_size), max_batches_(max_batches) {
  thread_ = std::thread([this] { Loop(); });
}

EventPrefetcher::~EventPrefetcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void EventPrefetcher::Loop() {
  while (true) {
    std::vector<model::Event> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || ready_.size() < max_batches_; });
      if (stop_) return;
      if (!free_.empty()) {
        batch = std::move(free_.back());
        free_.pop_back();
      }
    }
    batch.resize(batch_size_);
    size_t n = 0;
    Status error;
    const Status crashed = CatchAll("event prefetch", [this, &batch, &n, &error] {
      while (n < batch_size_) {
        auto more = stream_->Next(&batch[n]);
        if (!more.ok()) {
          error = more.status();
          break;
        }
        if (!*more) break;
        ++n;
      }
    });
    if (!crashed.ok()) {
      error = crashed;
      n = 0;  // the batch may hold a half-read row
    }
    batch.resize(n);
    const bool end = n < batch_size_;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (n > 0) ready_.push_back(std::move(batch));
      if (!error.ok()) error_ = std::move(error);
      done_ = end;
    }
    cv_.notify_all();
    if (end) return;
  }
}

Result<std::vector<model::Event>*> EventPrefetcher::Next() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!current_.empty() || current_.capacity() > 0) free_.push_back(std::move(current_));
  current_ = {};
  cv_.notify_all();
  cv_.wait(lock, [this] { return !ready_.empty() || done_; });
  if (!ready_.empty()) {
    current_ = std::move(ready_.front());
    ready_.pop_front();
    cv_.notify_all();
    return &current_;
  }
  if (!error_.ok()) return error_;
  return &current_;  // empty: the end
}

}  // namespace sluice::jobs
