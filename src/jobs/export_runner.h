// ExportRunner: runs export automations (DESIGN.md §5, docs/exports.md). One run reads the
// rows committed after the export's cursor (up to the newest transaction at the run's start),
// writes them in files of at most batch_size rows to
// `<prefix>/<YYYY-MM-DD>/export_<NNN>.<ext>`, records each file and moves the cursor in one
// store transaction after its upload, and ends with a manifest under
// `<prefix>/_sluice/manifests/<run_id>.json`. A file is recorded as pending before its upload,
// so after a crash the next run redoes it under the same key: every row lands in exactly one
// committed file.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "jobs/automation_config.h"
#include "jobs/config_cache.h"
#include "jobs/export_destination.h"
#include "jobs/run_lease.h"
#include "model/automation.h"
#include "store/store.h"

namespace sluice::jobs {

// The warning a run records when it stopped after max_iterations files.
inline constexpr char kMaxIterationsWarning[] =
    "Max iterations reached while running the cron job. This may result in the export falling "
    "behind.";
// What status and run answer before `POST /automation/cron`.
inline constexpr char kNotRegisteredMessage[] =
    "automation is not registered: POST /automation/cron";

struct ExportRunnerOptions {
  // Called at points of a file's life, in order: "planned" (pending file recorded), "upload"
  // (after each chunk handed to the upload), "uploaded" (object visible, not yet committed),
  // "committed". The crash tests kill the process here; production leaves it empty.
  std::function<void(std::string_view point)> fault_hook;
  // Bytes collected before they are handed to the upload as one chunk. A few chunks exist at
  // once (collected, queued, being written); the destinations buffer their own parts.
  size_t upload_chunk_bytes = 4u << 20;
  // Backlog counting stops here (the status then says "at least").
  int64_t backlog_count_limit = 1'000'000;
  // The store lease "export:<automation id>" a run holds (one run across processes).
  LeaseOptions lease;
  // Where a custom query's rows wait until their file's schema is known ("" = the system's
  // temporary directory): about one window's output at a time per running export.
  std::string spool_dir;
};

// What `GET /automation/cron/{id}/status` shows besides the run history.
struct ExportStatus {
  store::ExportState state;
  std::optional<model::AutomationRun> last_run;
  TimestampMicros next_run = 0;  // when the scheduler starts the next run (0: paused)
  int64_t backlog_rows = 0;      // spans committed after the cursor
  bool backlog_capped = false;   // backlog_rows is a lower bound
};

// Thread-safe. Runs of one automation never overlap, in this process or in another sharing the
// store (a run holds the automation's store lease; a second caller gets kAborted); runs of
// different automations may run concurrently.
class ExportRunner {
 public:
  ExportRunner(store::Store& store, Clock& clock, DestinationProvider& destinations,
               ExportRunnerOptions options = {});

  // Runs the export now and records the run in the history. Errors without a recorded run:
  // kFailedPrecondition (kNotRegisteredMessage), kAborted (a run is in progress),
  // kInvalidArgument (not an export). With `due_at` (the scheduler), runs only when
  // NextRunTime, read again after the lease is taken, is at or before it; kAborted otherwise.
  // A failure during the run (destination denied, query
  // error, revoked token) is recorded as a run with status error and returned as that run; the
  // cursor then stays where the last committed file left it.
  // REQUIRES: automation.type == kExport.
  Result<model::AutomationRun> Run(const model::Automation& automation, model::RunTrigger trigger,
                                   std::optional<TimestampMicros> due_at = std::nullopt);

  // Status for the API. kFailedPrecondition (kNotRegisteredMessage) when not registered.
  Result<ExportStatus> GetStatus(const model::Automation& automation);

  // When the next scheduled run is due: the last run's start plus interval_seconds (start to
  // start), at once after a run that stopped at max_iterations, after a run a stopped process
  // left unfinished, or when there was no run yet; nullopt when paused or not registered.
  Result<std::optional<TimestampMicros>> NextRunTime(const model::Automation& automation);

  // True while a run of the automation is in progress in this process.
  bool Running(const std::string& automation_id);

  // Clears the cursor and history (Store::ResetExport) while holding the run's slot in this
  // process and its store lease, so no run of any process sharing the store is in progress.
  // kAborted (kRunInProgressMessage…) when one is.
  Status Reset(const std::string& automation_id);

  const LeaseOptions& lease_options() const { return options_.lease; }

  // The automation's export config, parsed once per stored version (ConfigCache).
  // kInvalidArgument when it is not an export.
  Result<std::shared_ptr<const ExportConfig>> Config(const model::Automation& automation) {
    return configs_.Export(automation);
  }

 private:
  class Exclusive;  // the run slot in this process and the store lease (export_runner.cc)

  // Takes the automation's run slot in this process, then its store lease "export:<id>".
  // kAborted with kRunInProgressMessage when this process runs it, with `held_elsewhere` when
  // another process holds the lease.
  Result<std::unique_ptr<Exclusive>> Exclude(const std::string& automation_id,
                                             const std::string& held_elsewhere);

  // NextRunTime; `leased`: the caller holds the lease, so a run left "running" is stale.
  Result<std::optional<TimestampMicros>> NextRunTimeImpl(const model::Automation& automation,
                                                         bool leased);

  store::Store& store_;
  Clock& clock_;
  DestinationProvider& destinations_;
  const ExportRunnerOptions options_;
  ConfigCache configs_;
  std::mutex mu_;
  std::set<std::string> running_;
};

}  // namespace sluice::jobs
