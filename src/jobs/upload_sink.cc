#include "jobs/upload_sink.h"

namespace sluice::jobs {

UploadSink::UploadSink(cloud::ObjectWriter& writer, size_t chunk_bytes,
                       const std::function<void(std::string_view)>& hook, size_t max_queued)
    : writer_(writer), chunk_bytes_(chunk_bytes), hook_(hook), max_queued_(max_queued) {
  buffer_.reserve(chunk_bytes_);
}

UploadSink::~UploadSink() { Stop(/*drain=*/false); }

Status UploadSink::Append(std::string_view bytes) {
  size_ += static_cast<int64_t>(bytes.size());
  buffer_.append(bytes);
  if (buffer_.size() < chunk_bytes_) {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }
  return Hand();
}

Status UploadSink::Hand() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
    cv_.wait(lock, [this] { return queue_.size() < max_queued_ || !error_.ok(); });
    if (!error_.ok()) return error_;
    queue_.push_back(std::move(buffer_));
  }
  cv_.notify_all();
  buffer_ = std::string();
  buffer_.reserve(chunk_bytes_);
  if (hook_) hook_("upload");
  return Status();
}

void UploadSink::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return !queue_.empty() || stopping_; });
    if (queue_.empty() || drop_) return;
    std::string chunk = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    hasher_.Update(chunk);
    Status s = writer_.Write(chunk);
    lock.lock();
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
