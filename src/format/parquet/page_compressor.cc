#include "format/parquet/page_compressor.h"

#include "common/catch_all.h"

namespace sluice::format::parquet {

namespace {

// Buffers kept for reuse: enough for the pages in flight and those waiting for their chunk.
constexpr size_t kMaxFreeBuffers = 32;

}  // namespace

PageCompressor::PageCompressor(Compression codec, int level, bool background, size_t max_in_flight)
    : codec_(codec),
      background_(background && codec != Compression::kNone),
      max_in_flight_(max_in_flight),
      compressor_(codec, level) {}

PageCompressor::~PageCompressor() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return in_flight_ == 0; });
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
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
  if (!background_) {
    job->status = compressor_.Compress(job->body, &job->stored);
    job->done = true;
    return;
  }
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
    cv_.wait(lock, [this] { return in_flight_ < max_in_flight_; });
    ++in_flight_;
    queue_.push_back(job);
  }
  cv_.notify_all();
}

void PageCompressor::Wait(PageJob* job) {
  if (!background_) return;
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [job] { return job->done; });
}

void PageCompressor::Recycle(PageJob* job) {
  std::lock_guard<std::mutex> lock(mu_);
  for (std::string* b : {&job->body, &job->stored}) {
    if (b->capacity() == 0 || free_.size() >= kMaxFreeBuffers) continue;
    b->clear();
    free_.push_back(std::move(*b));
  }
  job->body = std::string();
  job->stored = std::string();
}

void PageCompressor::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return !queue_.empty() || stop_; });
    if (queue_.empty()) return;
    PageJob* job = queue_.front();
    queue_.pop_front();
    std::string out;
    if (!free_.empty()) {
      out = std::move(free_.back());
      free_.pop_back();
    }
    lock.unlock();
    Status s;
    const Status crashed =
        CatchAll("parquet page compression", [&] { s = compressor_.Compress(job->body, &out); });
    if (!crashed.ok()) s = crashed;
    // The output buffer was sized for the worst case; the page waits for its chunk in a
    // buffer of its own size, and the large one serves the next page.
    std::string stored(out);
    lock.lock();
    job->stored = std::move(stored);
    if (free_.size() < kMaxFreeBuffers) {
      out.clear();
      free_.push_back(std::move(out));
    }
    job->status = std::move(s);
    job->done = true;
    // The uncompressed body is no longer needed: its storage serves the next page.
    if (free_.size() < kMaxFreeBuffers && job->body.capacity() > 0) {
      job->body.clear();
      free_.push_back(std::move(job->body));
    }
    job->body = std::string();
    --in_flight_;
    cv_.notify_all();
  }
}

}  // namespace sluice::format::parquet
