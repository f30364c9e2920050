#include "jobs/upload_sink.h"

#include <algorithm>

#include "common/catch_all.h"

namespace sluice::jobs {

namespace {

// A buffer this large is queued as it is rather than copied into the current chunk.
constexpr size_t kMinOwnedBytes = 64u << 10;

}  // namespace

UploadSink::UploadSink(cloud::ObjectWriter& writer, size_t chunk_bytes,
                       const std::function<void(std::string_view)>& hook, size_t max_queued)
    : writer_(writer), chunk_bytes_(chunk_bytes), hook_(hook), max_queued_(max_queued) {
  buffer_.reserve(chunk_bytes_);
}

UploadSink::~UploadSink() { Stop(/*drain=*/false); }

Status UploadSink::Append(std::string_view bytes) {
  size_ += static_cast<int64_t>(bytes.size());
  // A chunk is cut at chunk_bytes_ exactly: a buffer appended past its reserved size would be
  // reallocated at twice that, and each chunk buffer reused after it would keep the doubled
  // size (most of a Parquet export's upload memory was such buffers).
  while (buffer_.size() + bytes.size() >= chunk_bytes_ && chunk_bytes_ > 0) {
    const size_t n = chunk_bytes_ - std::min(buffer_.size(), chunk_bytes_);
    buffer_.append(bytes.substr(0, n));
    bytes.remove_prefix(n);
    SLUICE_RETURN_IF_ERROR(Hand());
  }
  buffer_.append(bytes);
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

Status UploadSink::AppendOwned(std::string* bytes) {
  if (bytes->size() < std::min(chunk_bytes_ / 2, kMinOwnedBytes)) {
    Status s = Append(*bytes);
    bytes->clear();
    return s;
  }
  if (!buffer_.empty()) SLUICE_RETURN_IF_ERROR(Hand());
  size_ += static_cast<int64_t>(bytes->size());
  Status s = Enqueue(std::move(*bytes));
  *bytes = TakeFree();
  return s;
}

std::string UploadSink::TakeFree() {
  std::lock_guard<std::mutex> lock(mu_);
  if (free_.empty()) return std::string();
  std::string b = std::move(free_.back());
  free_.pop_back();
  return b;
}

Status UploadSink::Enqueue(std::string chunk) {
  // Hashed here, on the producing thread, while the upload thread writes earlier chunks: on
  // that one thread, hashing and writing one after the other (and the local destination's
  // periodic flushes) made it the export's slowest stage.
  hasher_.Update(chunk);
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
    cv_.wait(lock, [this] { return queued_bytes_ < max_queued_ * chunk_bytes_ || !error_.ok(); });
    if (!error_.ok()) return error_;
    queued_bytes_ += chunk.size();
    queue_.push_back(std::move(chunk));
  }
  cv_.notify_all();
  if (hook_) hook_("upload");
  return Status();
}

Status UploadSink::Hand() {
  Status s = Enqueue(std::move(buffer_));
  buffer_ = TakeFree();
  if (buffer_.capacity() < chunk_bytes_) buffer_.reserve(chunk_bytes_);
  return s;
}

void UploadSink::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return !queue_.empty() || stopping_; });
    if (queue_.empty() || drop_) return;
    std::string chunk = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Status s;
    const Status crashed = CatchAll("upload", [this, &chunk, &s] { s = writer_.Write(chunk); });
    if (!crashed.ok()) s = crashed;
    const size_t n = chunk.size();
    chunk.clear();
    lock.lock();
    queued_bytes_ -= n;
    if (free_.size() <= max_queued_) free_.push_back(std::move(chunk));
    if (!s.ok() && error_.ok()) error_ = std::move(s);
    cv_.notify_all();
    if (!error_.ok()) return;
  }
}

void UploadSink::Stop(bool drain) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    drop_ = !drain;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status UploadSink::Close() {
  if (!buffer_.empty()) SLUICE_RETURN_IF_ERROR(Hand());
  Stop(/*drain=*/true);
  std::lock_guard<std::mutex> lock(mu_);
  if (!error_.ok()) return error_;
  sha256_hex_ = HexEncode(hasher_.Finish());
  return Status();
}

}  // namespace sluice::jobs
