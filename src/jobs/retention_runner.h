// RetentionRunner: runs retention automations (DESIGN.md §6). A run computes the cutoff (run time
// minus retention_days), finds what is older (project_logs rows, dataset rows, or whole
// experiments), spares what the exempt filter matches, and soft-deletes the rest with one
// retention mark per object: the rows vanish at once from fetch, /btql and exports and stay
// restorable until the purge after the grace period. Thread-safe; one run per automation at a
// time is the caller's job (the scheduler's lease).
#pragma once

#include <string>

#include "common/clock.h"
#include "jobs/automation_config.h"
#include "model/automation.h"
#include "store/store.h"

namespace sluice::jobs {

struct RetentionPreview {
  TimestampMicros cutoff = 0;
  int64_t rows = 0;         // rows a run now would soft-delete (whole experiments included)
  int64_t experiments = 0;  // experiments a run now would remove whole
  int64_t exempt = 0;       // rows (or experiments) the exempt filter keeps
  int64_t bytes = 0;        // stored bytes of the rows a run would delete (exempt ones included)
  int64_t held_back = 0;    // expired rows kept because an active export has not exported them
};

class RetentionRunner {
 public:
  RetentionRunner(store::Store& store, Clock& clock) : store_(store), clock_(clock) {}

  // What a run now would delete, deleting nothing.
  Result<RetentionPreview> Preview(const model::Automation& automation);

  // Runs the policy now and records the run in the history (also when it fails).
  // REQUIRES: automation.type == kRetention.
  Result<model::AutomationRun> Run(const model::Automation& automation, model::RunTrigger trigger);

  // Brings back what run `run_id` of this automation deleted. kNotFound for an unknown run,
  // kFailedPrecondition after its purge. Records the count in the run's stats.
  Result<int64_t> Restore(const model::Automation& automation, const std::string& run_id);

  // Purges every mark past its grace period; adds the counts to the runs' stats.
  Result<int64_t> PurgeDue();

 private:
  struct Plan;
  // `preview`: also count bytes, and do not collect exempt row keys.
  Result<Plan> MakePlan(const model::Automation& automation, TimestampMicros now, bool preview);

  store::Store& store_;
  Clock& clock_;
};

}  // namespace sluice::jobs
