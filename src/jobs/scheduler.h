// Scheduler: the background loop of `sluice serve` that starts due automation runs (exports
// and retention policies) and purges retention marks past their grace period. Several processes
// may share one store (PostgreSQL): every run and the purge hold a store lease (RunLease), and
// whether a run is due is read again from the store under the lease, so each due run happens
// once across them. A run in progress is skipped until it ends.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "jobs/export_runner.h"
#include "jobs/retention_runner.h"
#include "store/store.h"

namespace sluice::jobs {

struct SchedulerOptions {
  // How often the loop looks for due work.
  int64_t tick_seconds = 10;
  // Called after each purge step with the rows it purged (0 when none), e.g. to remove the
  // attachments of purged rows. Optional.
  std::function<Status(int64_t purged_rows)> after_purge;
};

// Start() spawns the loop; Stop() (or the destructor) ends it after the current step. `exports`
// and `retention` are the runners the API uses too (so a manual run and a scheduled one never
// overlap); all arguments are borrowed and must outlive the scheduler. Thread-safe.
class Scheduler {
 public:
  Scheduler(store::Store& store, Clock& clock, ExportRunner& exports, RetentionRunner& retention,
            SchedulerOptions options = {})
      : store_(store), clock_(clock), options_(options), exports_(exports), retention_(retention) {}
  ~Scheduler() { Stop(); }

  void Start();
  void Stop();

  // One pass: runs every due export (active, registered, ExportRunner::NextRunTime <= now, not
  // running) and every due active retention automation (paused ones are skipped; their marks
  // are still purged), then purges. A failed run is recorded in its
  // history and logged; it does not stop the pass. Returns the first error that kept a run from
  // starting or being recorded (after trying everything). Exposed for tests.
  Status Tick();

 private:
  // Runs `a` when due; the error is one that kept the run from being recorded.
  Status MaybeRunExport(const model::Automation& a, TimestampMicros now);
  Status MaybeRunRetention(const model::Automation& a, TimestampMicros now);

  store::Store& store_;
  Clock& clock_;
  SchedulerOptions options_;
  ExportRunner& exports_;
  RetentionRunner& retention_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace sluice::jobs
