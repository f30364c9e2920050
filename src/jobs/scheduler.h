// Scheduler: the background loop of `sluice serve` that starts due automation runs and purges
// retention marks past their grace period. One process on SQLite; leases across processes come
// with the PostgreSQL backend. Runs are never started twice at once: a run in progress is
// skipped until it ends.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "jobs/retention_runner.h"
#include "store/store.h"

namespace sluice::jobs {

struct SchedulerOptions {
  // How often the loop looks for due work.
  int64_t tick_seconds = 10;
};

// Start() spawns the loop; Stop() (or the destructor) ends it after the current step.
class Scheduler {
 public:
  Scheduler(store::Store& store, Clock& clock, SchedulerOptions options = {})
      : store_(store), clock_(clock), options_(options), retention_(store, clock) {}
  ~Scheduler() { Stop(); }

  void Start();
  void Stop();

  // One pass: runs every due retention automation, then purges. Returns the first error
  // (after trying everything). Exposed for tests.
  Status Tick();

 private:
  store::Store& store_;
  Clock& clock_;
  SchedulerOptions options_;
  RetentionRunner retention_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace sluice::jobs
