// RetentionRunner: runs retention automations (DESIGN.md §6). A run computes the cutoff (run time
// minus retention_days), finds what is older (project_logs rows, dataset rows, or whole
// experiments), spares what the exempt filter matches, and soft-deletes the rest with one
// retention mark per object: the rows vanish at once from fetch, /btql and exports and stay
// restorable until the purge after the grace period. Thread-safe. A run holds the store lease
// "retention:<automation id>" (see RunLease), so one run per automation at a time across every
// process sharing the store.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/clock.h"
#include "jobs/automation_config.h"
#include "model/automation.h"
#include "store/store.h"

namespace sluice::jobs {

// What a run answers when another run of the automation holds its lease.
inline constexpr char kRunInProgressMessage[] = "a run of this automation is in progress";

// host:pid:random, fixed for the life of the process: the owner of the leases it takes.
const std::string& ProcessLeaseOwner();

struct LeaseOptions {
  std::string owner = ProcessLeaseOwner();
  // A holder that stops renewing loses the lease this long after its last renewal; a live
  // holder renews every third of it.
  int64_t ttl_seconds = 60;
};

// A store lease (Store::TryAcquireLease) held for one piece of work: Acquire() takes it and
// starts a thread that renews it every ttl/3 (wall time); the destructor stops renewing and
// releases it. When a renewal fails the lease is lost (logged; lost() turns true): another
// process may take it over, and the work's own store checks (the export cursor's
// compare-and-set) keep that safe.
class RunLease {
 public:
  RunLease(store::Store& store, Clock& clock, std::string name, LeaseOptions options)
      : store_(store), clock_(clock), name_(std::move(name)), options_(std::move(options)) {}
  ~RunLease();
  RunLease(const RunLease&) = delete;
  RunLease& operator=(const RunLease&) = delete;

  // True when taken (free, expired, or already this owner's); false when another owner holds it.
  Result<bool> Acquire();
  bool lost() const { return lost_; }

 private:
  void RenewLoop();

  store::Store& store_;
  Clock& clock_;
  const std::string name_;
  const LeaseOptions options_;
  bool held_ = false;
  std::atomic<bool> lost_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread renewer_;
};

// The stored config of a retention automation (validated again: it was when saved).
Result<RetentionConfig> StoredRetentionConfig(const model::Automation& automation);

// When a retention automation runs next on schedule: at once (`now`) when it never ran, else
// interval_seconds after `last` started; 0 while it is paused (only on demand).
TimestampMicros RetentionNextRun(const RetentionConfig& config, const model::AutomationRun* last,
                                 TimestampMicros now);

struct RetentionPreview {
  TimestampMicros cutoff = 0;
  int64_t rows = 0;         // rows a run now would soft-delete (whole experiments included)
  int64_t experiments = 0;  // experiments a run now would remove whole
  int64_t exempt = 0;       // rows (or experiments) the exempt filter keeps
  int64_t bytes = 0;        // stored bytes of the rows a run would delete
  int64_t held_back = 0;    // expired rows kept because an active export has not exported them
};

class RetentionRunner {
 public:
  RetentionRunner(store::Store& store, Clock& clock, LeaseOptions lease = {})
      : store_(store), clock_(clock), lease_(std::move(lease)) {}

  // What a run now would delete, deleting nothing.
  Result<RetentionPreview> Preview(const model::Automation& automation);

  // Runs the policy now and records the run in the history (also when it fails). kAborted
  // (kRunInProgressMessage) without a run when another run holds the automation's lease. With
  // `due_at`, runs only when the policy is due then (interval_seconds after the last run's
  // start), judged from the history read after the lease is taken; kAborted otherwise.
  // REQUIRES: automation.type == kRetention.
  Result<model::AutomationRun> Run(const model::Automation& automation, model::RunTrigger trigger,
                                   std::optional<TimestampMicros> due_at = std::nullopt);

  // True when `automation` is due at `now` (see RetentionNextRun; never while paused).
  Result<bool> Due(const model::Automation& automation, TimestampMicros now);

  // Brings back what run `run_id` of this automation deleted and records the count in the
  // run's stats. When rows came back, an active policy is paused: as it stands, its next run
  // would delete them again. kNotFound for an unknown run, kFailedPrecondition after its purge
  // or when it was restored before.
  struct Restored {
    int64_t rows = 0;
    bool paused = false;  // this restore paused the policy
  };
  Result<Restored> Restore(const model::Automation& automation, const std::string& run_id);

  // Purges every mark past its grace period; adds the counts to the runs' stats. Holds the
  // store lease "retention-purge"; 0 without purging when another process holds it.
  Result<int64_t> PurgeDue();

 private:
  struct Plan;
  // `preview`: also count bytes, and do not collect exempt row keys.
  Result<Plan> MakePlan(const model::Automation& automation, TimestampMicros now, bool preview);

  Result<model::AutomationRun> RunLeased(const model::Automation& automation,
                                         model::RunTrigger trigger);

  store::Store& store_;
  Clock& clock_;
  const LeaseOptions lease_;
};

}  // namespace sluice::jobs
