#include "format/parquet/page_compressor.h"

#include <algorithm>

#include "common/catch_all.h"

namespace sluice::format::parquet {

namespace {

// Buffers kept for reuse beyond the pages in flight: page bodies encoded next.
constexpr size_t kSpareBuffers = 4;

size_t InFlightLimit(int threads, size_t max_in_flight) {
  if (max_in_flight > 0) return max_in_flight;
  return std::max<size_t>(8, 4 * static_cast<size_t>(std::max(threads, 1)));
}

}  // namespace

PageCompressor::PageCompressor(Compression codec, int level, int threads, size_t max_in_flight)
    : codec_(codec),
      threads_(codec == Compression::kNone ? 0 : std::max(threads, 0)),
      max_in_flight_(InFlightLimit(threads_, max_in_flight)),
      compressor_(codec, level) {
  for (int i = 0; i < threads_; ++i) {
    thread_compressors_.push_back(std::make_unique<BlockCompressor>(codec, level));
  }
}

PageCompressor::~PageCompressor() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [this] { return in_flight_ == 0; });
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

std::string PageCompressor::TakeBuffer() {
  std::lock_guard<std::mutex> lock(mu_);
  if (free_.empty()) return std::string();
  std::string b = std::move(free_.back());
  free_.pop_back();
  return b;
}

void PageCompressor::Submit(PageJob* job) {
  job->done = false;
  if (codec_ == Compression::kNone) {
    job->stored.swap(job->body);
    job->status = Status::Ok();
    job->done = true;
    return;
  }
  if (threads_ == 0) {
    job->status = compressor_.Compress(job->body, &job->stored);
    job->done = true;
    return;
  }
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (workers_.empty()) {
      for (auto& c : thread_compressors_) {
        workers_.emplace_back([this, compressor = c.get()] { Loop(compressor); });
      }
    }
    done_cv_.wait(lock, [this] { return in_flight_ < max_in_flight_; });
    ++in_flight_;
    queue_.push_back(job);
  }
  work_cv_.notify_one();
}

void PageCompressor::Wait(PageJob* job) {
  if (threads_ == 0) return;
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [job] { return job->done; });
}

void PageCompressor::Recycle(PageJob* job) {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t keep = max_in_flight_ + kSpareBuffers;
  for (std::string* b : {&job->body, &job->stored}) {
    if (b->capacity() == 0 || free_.size() >= keep) continue;
    b->clear();
    free_.push_back(std::move(*b));
  }
  job->body = std::string();
  job->stored = std::string();
}

void PageCompressor::Loop(BlockCompressor* compressor) {
  const size_t keep = max_in_flight_ + kSpareBuffers;
  // Sized for the worst case and kept by this thread: the page waits for its chunk in a buffer
  // of its own size.
  std::string out;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    work_cv_.wait(lock, [this] { return !queue_.empty() || stop_; });
    if (queue_.empty()) return;
    PageJob* job = queue_.front();
    queue_.pop_front();
    lock.unlock();
    Status s;
    const Status crashed =
        CatchAll("parquet page compression", [&] { s = compressor->Compress(job->body, &out); });
    if (!crashed.ok()) s = crashed;
    std::string stored(out);
    lock.lock();
    job->stored = std::move(stored);
    job->status = std::move(s);
    job->done = true;
    // The uncompressed body is no longer needed: its storage serves the next page.
    if (free_.size() < keep && job->body.capacity() > 0) {
      job->body.clear();
      free_.push_back(std::move(job->body));
    }
    job->body = std::string();
    --in_flight_;
    done_cv_.notify_all();
  }
}

}  // namespace sluice::format::parquet
