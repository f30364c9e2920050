// Handlers for automations: `/v1/project_automation` (Braintrust's ProjectAutomation API:
// create, replace, list, get, patch, delete; export and retention configs) and the retention
// endpoints `/automation/retention/{id}/{run,preview,restore,status}`. Admin on the project
// changes automations and runs them; read views them. Thread-safe.
#pragma once

#include <string>

#include "api/api_types.h"
#include "api/authenticator.h"
#include "common/clock.h"
#include "jobs/retention_runner.h"
#include "store/store.h"

namespace sluice::api {

class AutomationHandlers {
 public:
  AutomationHandlers(store::Store& store, Clock& clock, std::string external_id_prefix = "sluice")
      : store_(store),
        clock_(clock),
        auth_(store),
        retention_(store, clock),
        external_id_prefix_(std::move(external_id_prefix)) {}

  Result<ApiResponse> Create(const ApiRequest& r);   // POST: an existing name is returned as is
  Result<ApiResponse> Replace(const ApiRequest& r);  // PUT: create or replace by name
  Result<ApiResponse> List(const ApiRequest& r);
  Result<ApiResponse> Get(const ApiRequest& r);      // path_params: {id}
  Result<ApiResponse> Patch(const ApiRequest& r);
  Result<ApiResponse> Delete(const ApiRequest& r);

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
  Result<Loaded> LoadRetention(const ApiRequest& r, model::Permission needed,
                               std::string_view action);
  // Validates a config for the automation (new or existing) of the project.
  Result<Json> Validate(const Json& config, const model::Automation& a);
  Result<ApiResponse> Upsert(const ApiRequest& r, bool replace);

  store::Store& store_;
  Clock& clock_;
  Authenticator auth_;
  jobs::RetentionRunner retention_;
  std::string external_id_prefix_;
};

}  // namespace sluice::api
