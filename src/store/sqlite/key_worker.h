// The key worker (internal to store/sqlite): work on sealed segments' keys (a sealed segment's
// key tables written into the keys file, a dropped segment's removed from it, an id filter
// built) run one job at a time on a thread of its own, so that the store's writer never waits
// for it. docs/storage.md, "The keys file".
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace sluice::store::sqlite {

struct KeyJob {
  enum class Kind { kFilter, kWriteKeys, kDropKeys };
  Kind kind;
  int64_t seg;
  std::string table;
  int failures = 0;  // attempts that failed so far (kWriteKeys)
  // Not run before this time (a failed job queued again) unless the worker is stopping.
  std::chrono::steady_clock::time_point not_before{};
};

// Runs the queued jobs one after the other through the function given to Start, each once its
// not_before has come (the first ready job in queue order). Once stopping it runs every job
// left at once, whatever its not_before, except kFilter ones (a filter only saves reads),
// then its thread ends. Thread-safe, but for Start (once, before jobs can run) and Stop (by one
// thread at a time: the owner, as it closes).
class KeyWorker {
 public:
  using RunJob = std::function<void(KeyJob)>;

  KeyWorker() = default;
  ~KeyWorker() { Stop(); }
  KeyWorker(const KeyWorker&) = delete;
  KeyWorker& operator=(const KeyWorker&) = delete;

  // Starts the thread, which calls `run` for each job (jobs queued before wait for it). Call
  // once.
  void Start(RunJob run);
  // Queues `job`; `run` may queue too (a failed job again, with a later not_before).
  void Queue(KeyJob job);
  // Returns once no job is queued or running. A job queued again each time it runs keeps it
  // waiting for as long as it is.
  void WaitIdle();
  // Runs what is left as described above, then joins the thread. Idempotent.
  void Stop();
  // True once Stop has begun: a job cuts short what only saves time, and a failed one need
  // not be queued again for later.
  const std::atomic<bool>& stopping() const { return stop_; }

 private:
  void Loop();
  // The first job whose time has come (any, once stopping); end() when none has, with
  // *next_time the earliest not_before (max() when nothing is queued). REQUIRES: mu_ held.
  std::deque<KeyJob>::iterator NextReady(std::chrono::steady_clock::time_point* next_time);

  RunJob run_;
  std::mutex mu_;
  std::condition_variable queued_cv_;
  std::condition_variable idle_cv_;
  std::deque<KeyJob> jobs_;  // guarded by mu_
  bool running_ = false;     // a job is being run; guarded by mu_
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace sluice::store::sqlite
