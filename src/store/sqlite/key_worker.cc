#include "store/sqlite/key_worker.h"

#include <algorithm>
#include <utility>

namespace sluice::store::sqlite {

void KeyWorker::Start(RunJob run) {
  run_ = std::move(run);
  thread_ = std::thread([this] { Loop(); });
}

void KeyWorker::Queue(KeyJob job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(job));
  }
  queued_cv_.notify_one();
}

void KeyWorker::WaitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [this] { return jobs_.empty() && !running_; });
}

void KeyWorker::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  queued_cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::deque<KeyJob>::iterator KeyWorker::NextReady(
    std::chrono::steady_clock::time_point* next_time) {
  *next_time = std::chrono::steady_clock::time_point::max();
  const auto now = std::chrono::steady_clock::now();
  for (auto it = jobs_.begin(); it != jobs_.end(); ++it) {
    if (stop_ || it->not_before <= now) return it;
    *next_time = std::min(*next_time, it->not_before);
  }
  return jobs_.end();
}

void KeyWorker::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    std::chrono::steady_clock::time_point next_time;
    const auto ready = NextReady(&next_time);
    if (ready == jobs_.end()) {
      if (stop_) break;  // stopping, with nothing left
      if (next_time == std::chrono::steady_clock::time_point::max()) {
        queued_cv_.wait(lock);
      } else {
        queued_cv_.wait_until(lock, next_time);
      }
      continue;
    }
    KeyJob job = std::move(*ready);
    jobs_.erase(ready);
    if (stop_ && job.kind == KeyJob::Kind::kFilter) continue;
    running_ = true;
    lock.unlock();
    run_(std::move(job));
    lock.lock();
    running_ = false;
    idle_cv_.notify_all();
  }
  idle_cv_.notify_all();
}

}  // namespace sluice::store::sqlite
