#include "jobs/export_runner.h"

#include "common/log.h"
#include "common/uuid.h"
#include "jobs/export_run.h"

namespace sluice::jobs {

ExportRunner::ExportRunner(store::Store& store, Clock& clock, DestinationProvider& destinations,
                           ExportRunnerOptions options)
    : store_(store), clock_(clock), destinations_(destinations), options_(std::move(options)) {}

bool ExportRunner::Running(const std::string& automation_id) {
  std::lock_guard<std::mutex> lock(mu_);
  return running_.contains(automation_id);
}

// Releases the lease before the slot: a run of this process that takes the slot next must not
// find the lease still "its own" and then lose it to this destructor.
class ExportRunner::Exclusive {
 public:
  Exclusive(ExportRunner& runner, std::string id) : runner_(runner), id_(std::move(id)) {}
  ~Exclusive() {
    lease_.reset();
    std::lock_guard<std::mutex> lock(runner_.mu_);
    runner_.running_.erase(id_);
  }
  std::optional<RunLease>& lease() { return lease_; }

 private:
  ExportRunner& runner_;
  const std::string id_;
  std::optional<RunLease> lease_;
};

Result<std::unique_ptr<ExportRunner::Exclusive>> ExportRunner::Exclude(
    const std::string& automation_id, const std::string& held_elsewhere) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!running_.insert(automation_id).second) return AbortedError(kRunInProgressMessage);
  }
  auto held = std::make_unique<Exclusive>(*this, automation_id);
  held->lease().emplace(store_, clock_, "export:" + automation_id, options_.lease);
  SLUICE_ASSIGN_OR_RETURN(bool taken, held->lease()->Acquire());
  if (!taken) return AbortedError(held_elsewhere);
  return held;
}

Status ExportRunner::Reset(const std::string& automation_id) {
  SLUICE_ASSIGN_OR_RETURN(auto held, Exclude(automation_id, std::string(kRunInProgressMessage) +
                                                                " in another sluice process"));
  return store_.ResetExport(automation_id);
}

Result<model::AutomationRun> ExportRunner::Run(const model::Automation& automation,
                                               model::RunTrigger trigger,
                                               std::optional<TimestampMicros> due_at) {
  SLUICE_ASSIGN_OR_RETURN(auto config, Config(automation));
  SLUICE_ASSIGN_OR_RETURN(auto state, store_.GetExportState(automation.id));
  if (!state) return FailedPreconditionError(kNotRegisteredMessage);
  SLUICE_ASSIGN_OR_RETURN(auto held, Exclude(automation.id, kRunInProgressMessage));
  if (due_at) {
    // Read the history again under the lease: another process may just have run it.
    SLUICE_ASSIGN_OR_RETURN(auto next, NextRunTimeImpl(automation, true));
    if (!next || *next > *due_at) {
      return AbortedError("automation " + automation.id + " is not due");
    }
  }

  // Runs left "running" by a process that stopped are closed by this run (after their
  // manifest is written).
  SLUICE_ASSIGN_OR_RETURN(auto recent, store_.ListRuns(automation.id, 5, ""));
  std::vector<model::AutomationRun> stale;
  for (const model::AutomationRun& r : recent) {
    if (r.status == model::RunStatus::kRunning) stale.push_back(r);
  }

  model::AutomationRun run;
  run.id = NewUuid();
  run.automation_id = automation.id;
  run.trigger = trigger;
  run.status = model::RunStatus::kRunning;
  run.started = clock_.NowMicros();
  SLUICE_RETURN_IF_ERROR(store_.SaveRun(run));

  ExportRun export_run({store_, clock_, destinations_, options_}, automation, *config, *state, run);
  const Status s = export_run.Execute(std::move(stale));
  export_run.RecordStats();
  run.finished = clock_.NowMicros();
  if (!s.ok()) {
    run.status = model::RunStatus::kError;
    run.error = s.message();
    SLUICE_LOG_WARN("export {} run {} failed: {}", automation.id, run.id, s.message());
  } else if (!run.stats.Find("caught_up")->bool_value()) {
    run.status = model::RunStatus::kWarning;
    run.error = kMaxIterationsWarning;
  } else {
    run.status = model::RunStatus::kSuccess;
  }
  SLUICE_RETURN_IF_ERROR(store_.SaveRun(run));
  return run;
}

Result<std::optional<TimestampMicros>> ExportRunner::NextRunTime(
    const model::Automation& automation) {
  return NextRunTimeImpl(automation, false);
}

Result<std::optional<TimestampMicros>> ExportRunner::NextRunTimeImpl(
    const model::Automation& automation, bool leased) {
  SLUICE_ASSIGN_OR_RETURN(auto config, Config(automation));
  if (!config->active) return std::optional<TimestampMicros>();
  SLUICE_ASSIGN_OR_RETURN(auto state, store_.GetExportState(automation.id));
  if (!state) return std::optional<TimestampMicros>();
  SLUICE_ASSIGN_OR_RETURN(auto last, store_.ListRuns(automation.id, 1, ""));
  if (last.empty()) return std::optional<TimestampMicros>(state->registered);
  const model::AutomationRun& run = last[0];
  if (run.status == model::RunStatus::kWarning) {
    return std::optional<TimestampMicros>(run.finished.value_or(run.started));
  }
  if (run.status == model::RunStatus::kRunning && (leased || !Running(automation.id))) {
    // Left running by a process that stopped: the next run redoes its pending file at once.
    return std::optional<TimestampMicros>(run.started);
  }
  return std::optional<TimestampMicros>(run.started + config->interval_seconds * 1'000'000);
}

Result<ExportStatus> ExportRunner::GetStatus(const model::Automation& automation) {
  SLUICE_ASSIGN_OR_RETURN(auto config, Config(automation));
  SLUICE_ASSIGN_OR_RETURN(auto state, store_.GetExportState(automation.id));
  if (!state) return FailedPreconditionError(kNotRegisteredMessage);
  ExportStatus out;
  out.state = *state;
  SLUICE_ASSIGN_OR_RETURN(auto last, store_.ListRuns(automation.id, 1, ""));
  if (!last.empty()) out.last_run = last[0];
  SLUICE_ASSIGN_OR_RETURN(auto next, NextRunTime(automation));
  out.next_run = next.value_or(0);
  model::ScanRequest scan;
  scan.object = ExportSource(*config, automation.project_id);
  scan.after = state->cursor;
  scan.limit = options_.backlog_count_limit;
  SLUICE_ASSIGN_OR_RETURN(out.backlog_rows, store_.CountRows(scan));
  out.backlog_capped = out.backlog_rows >= options_.backlog_count_limit;
  return out;
}

}  // namespace sluice::jobs
