// ImportHandlers: `POST /v1/{project_logs|experiment|dataset}/{id}/import` starts an import of
// an export back into that object (jobs/import_runner.h) as a background job, and
// `GET /v1/import/{id}` reports its progress (files, rows, bytes) and outcome. The source is an
// export automation's destination, read with that automation's identity (`automation_id`), or a
// local `file://` directory (org-wide admin only: it reads the server's own disk). Jobs live in
// this process: their status is gone after a restart, and running the same import again is safe
// (rows keep their ids). Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "api/api_types.h"
#include "api/authenticator.h"
#include "common/clock.h"
#include "jobs/export_destination.h"
#include "jobs/import_runner.h"
#include "jobs/retention_runner.h"
#include "store/store.h"

namespace sluice::api {

class ImportHandlers {
 public:
  // REQUIRES: every reference outlives the handlers.
  ImportHandlers(store::Store& store, Clock& clock, Authenticator& auth,
                 jobs::DestinationProvider& destinations, jobs::RetentionRunner& retention,
                 std::function<void(std::string_view)> fault_hook = nullptr)
      : store_(store),
        clock_(clock),
        auth_(auth),
        destinations_(destinations),
        retention_(retention),
        fault_hook_(std::move(fault_hook)) {}
  // Cancels running imports (between files) and waits for them.
  ~ImportHandlers();

  // path_params: {object type, object id}. Answers 202 with the job.
  Result<ApiResponse> Start(const ApiRequest& r);
  // path_params: {import id}.
  Result<ApiResponse> GetJob(const ApiRequest& r);

 private:
  struct Job {
    std::string id;
    std::string org_id;
    std::string project_id;
    std::string source;    // for people: the export path
    bool restore = false;  // bringing back a retention run's deletions
    bool paused_policy = false;
    TimestampMicros started = 0;
    std::atomic<bool> cancel{false};
    std::mutex mu;                  // guards the fields below
    std::string state = "running";  // running | success | error | cancelled
    jobs::ImportProgress progress;
    std::string error;
    TimestampMicros finished = 0;
    std::thread thread;
  };
  // The store and prefix an import reads, and how to name it in messages.
  struct Source {
    jobs::Destination destination;
    std::string name;
    bool paused_policy = false;  // bringing back a retention run paused its policy
  };
  // An export automation's destination, read with its identity.
  Result<Source> ExportSource(const model::Automation& export_automation);
  // The archive files of retention run `run_id` (its policy's archive_first export), to bring
  // back what it deleted into `target`; sets the request's files and restore rule.
  Result<Source> ArchiveOfRun(const Caller& caller, const std::string& run_id,
                              const ResolvedObject& target, jobs::ImportRequest* request);
  // OK once every row retention run `run_id` of `policy` deleted is purged for good (purging
  // now those whose grace is over); kFailedPrecondition while it can still be restored,
  // kUnavailable while another process is purging it.
  Status RequirePurged(const std::string& run_id, const model::Automation& policy);
  // What an import request's body names to read from: exactly one is expected.
  struct SourceNames {
    std::optional<std::string> automation_id;     // an export automation's destination
    std::optional<std::string> export_path;       // a file:/// directory, for org admins
    std::optional<std::string> retention_run_id;  // an archiving retention run's files
  };
  // The source `names` names; kInvalidArgument for none or more than one.
  Result<Source> SourceOf(const Caller& caller, const SourceNames& names,
                          const ResolvedObject& target, jobs::ImportRequest* request);
  // Forgets the oldest finished jobs past kFinishedJobsKept. REQUIRES: mu_ held.
  void ForgetOldJobs();
  void Run(Job& job, jobs::Destination source, jobs::ImportRequest request);
  static std::string JobJson(Job& job);

  store::Store& store_;
  Clock& clock_;
  Authenticator& auth_;
  jobs::DestinationProvider& destinations_;
  jobs::RetentionRunner& retention_;  // purges a run whose grace is over before bringing it back
  std::function<void(std::string_view)> fault_hook_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
};

}  // namespace sluice::api
