// Handlers for automations: `/v1/project_automation` (Braintrust's ProjectAutomation API:
// create, replace, list, get, patch, delete; export and retention configs), the export
// endpoints `/automation/cron` (register with a service token), `/automation/cron/{id}/{status,
// run,reset}` and `/automation/test`, and the retention endpoints
// `/automation/retention/{id}/{run,preview,restore,status}`. Admin on the project changes
// automations and runs them; read views them. Thread-safe.
#pragma once

#include <string>

#include "api/api_types.h"
#include "api/authenticator.h"
#include "common/clock.h"
#include "jobs/export_destination.h"
#include "jobs/export_runner.h"
#include "jobs/retention_runner.h"
#include "store/store.h"

namespace sluice::api {

class AutomationHandlers {
 public:
  // `exports` and `retention` (the runners shared with the scheduler) and `destinations` are
  // borrowed and must outlive the handlers.
  AutomationHandlers(store::Store& store, Clock& clock, jobs::ExportRunner& exports,
                     jobs::RetentionRunner& retention, jobs::DestinationProvider& destinations,
                     std::string external_id_prefix = "sluice")
      : store_(store),
        clock_(clock),
        auth_(store),
        retention_(retention),
        exports_(exports),
        destinations_(destinations),
        external_id_prefix_(std::move(external_id_prefix)) {}

  Result<ApiResponse> Create(const ApiRequest& r);   // POST: an existing name is returned as is
  Result<ApiResponse> Replace(const ApiRequest& r);  // PUT: create or replace by name
  Result<ApiResponse> List(const ApiRequest& r);
  Result<ApiResponse> Get(const ApiRequest& r);  // path_params: {id}
  Result<ApiResponse> Patch(const ApiRequest& r);
  // DELETE ?force=true|false. A retention automation with runs still in their grace period
  // answers 409 (their deletions could no longer be restored) unless force=true; their rows are
  // then purged when the grace period ends.
  Result<ApiResponse> Delete(const ApiRequest& r);

  // POST /automation/cron {automation_id, cron:{type:"btql_export"}, service_token}: registers
  // an export with the token it reads with (403 when the token is not valid, revoked or cannot
  // read the project). Answers the status object, like CronStatus.
  Result<ApiResponse> CronRegister(const ApiRequest& r);
  // GET /automation/cron/{id}/status?limit=&before=: state, backlog, next run, run history.
  Result<ApiResponse> CronStatus(const ApiRequest& r);
  // POST /automation/cron/{id}/run: runs the export now and answers the run (409 when a run is
  // in progress).
  Result<ApiResponse> CronRun(const ApiRequest& r);
  // POST /automation/cron/{id}/reset: clears cursor and history; answers the status.
  Result<ApiResponse> CronReset(const ApiRequest& r);
  // POST /automation/test {project_id, config[, automation_id]} or {automation_id}: checks the
  // destination step by step; 200 with {"ok", "external_id", "steps"} whatever the outcome.
  Result<ApiResponse> TestAutomation(const ApiRequest& r);

  Result<ApiResponse> RetentionRun(const ApiRequest& r);
  Result<ApiResponse> RetentionPreview(const ApiRequest& r);
  Result<ApiResponse> RetentionRestore(const ApiRequest& r);
  Result<ApiResponse> RetentionStatus(const ApiRequest& r);

 private:
  struct Loaded {
    Caller caller;
    model::Automation automation;
  };
  // Authenticates, loads the automation by path id and checks `needed` on its project.
  Result<Loaded> Load(const ApiRequest& r, model::Permission needed, std::string_view action);
  // Loads automation `id` for an authenticated caller (404 for another org's).
  Result<model::Automation> LoadFor(const Caller& caller, const std::string& id,
                                    model::Permission needed, std::string_view action);
  Result<Loaded> LoadExport(const ApiRequest& r, model::Permission needed, std::string_view action);
  // kPermissionDenied unless `token` is a valid, unrevoked key of the org with read on the
  // project. Returns the key's id.
  Result<std::string> CheckServiceToken(const model::Automation& a, std::string_view token);
  Result<ApiResponse> StatusResponse(const model::Automation& a, const ApiRequest& r);
  Result<Loaded> LoadRetention(const ApiRequest& r, model::Permission needed,
                               std::string_view action);
  // kAborted naming the runs, rows and end of grace when `a` is a retention automation with
  // runs whose deletions can still be restored.
  Status CheckNothingRestorable(const model::Automation& a);
  // Validates a config for the automation (new or existing) of the project.
  Result<Json> Validate(const Json& config, const model::Automation& a);
  Result<ApiResponse> Upsert(const ApiRequest& r, bool replace);

  store::Store& store_;
  Clock& clock_;
  Authenticator auth_;
  jobs::RetentionRunner& retention_;
  jobs::ExportRunner& exports_;
  jobs::DestinationProvider& destinations_;
  std::string external_id_prefix_;
};

}  // namespace sluice::api
