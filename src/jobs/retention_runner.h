// RetentionRunner: runs retention automations (DESIGN.md §6). A run computes the cutoff (run time
// minus retention_days), finds what is older (project_logs rows, dataset rows, or whole
// experiments), spares what the exempt filter matches, and soft-deletes the rest with one
// retention mark per object: the rows vanish at once from fetch, /btql and exports and stay
// restorable until the purge after the grace period. Thread-safe. A run holds the store lease
// "retention:<automation id>" (jobs/run_lease.h), so one run per automation at a time across
// every process sharing the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.h"
#include "jobs/automation_config.h"
#include "jobs/config_cache.h"
#include "jobs/run_lease.h"
#include "model/automation.h"
#include "store/store.h"

namespace sluice::jobs {

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
  struct Planner;
  // `preview`: also count bytes, and do not collect exempt row keys.
  Result<Plan> MakePlan(const model::Automation& automation, TimestampMicros now, bool preview);

  Result<model::AutomationRun> RunLeased(const model::Automation& automation,
                                         model::RunTrigger trigger);

  store::Store& store_;
  Clock& clock_;
  const LeaseOptions lease_;
  ConfigCache configs_;  // retention configs, and those of the exports a policy waits for
};

}  // namespace sluice::jobs
