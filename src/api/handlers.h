// Handlers for the REST API: projects, experiments, datasets, and row insert/fetch on
// project_logs, experiments and datasets, following Braintrust's public API shapes
// (../shared/testdata/braintrust-openapi). Each handler authenticates, checks permission, and
// returns a response or a Status that the server maps to an HTTP error. Thread-safe.
#pragma once

#include "api/api_types.h"
#include "api/authenticator.h"
#include "api/metrics.h"
#include "common/clock.h"
#include "store/store.h"

namespace sluice::api {

struct HandlerOptions {
  // Rows returned by fetch when the request gives no limit, and the most it may ask for.
  int64_t default_fetch_limit = 100;
  int64_t max_fetch_limit = 10'000;
  // Bytes of rows a /btql or fetch answer holds at most: a page that reaches it ends there, with
  // a cursor (query::QueryContext::max_answer_bytes).
  size_t max_answer_bytes = 64ull << 20;
};

class Handlers {
 public:
  Handlers(store::Store& store, Clock& clock, Metrics& metrics, HandlerOptions options = {})
      : store_(store), clock_(clock), metrics_(metrics), auth_(store), options_(options) {}

  Result<ApiResponse> CreateProject(const ApiRequest& r);
  Result<ApiResponse> ListProjects(const ApiRequest& r);
  Result<ApiResponse> GetProject(const ApiRequest& r);  // path_params: {project_id}
  Result<ApiResponse> CreateExperiment(const ApiRequest& r);
  Result<ApiResponse> ListExperiments(const ApiRequest& r);
  Result<ApiResponse> GetExperiment(const ApiRequest& r);
  Result<ApiResponse> CreateDataset(const ApiRequest& r);
  Result<ApiResponse> ListDatasets(const ApiRequest& r);
  Result<ApiResponse> GetDataset(const ApiRequest& r);
  // path_params: {object type, object id}.
  Result<ApiResponse> Insert(const ApiRequest& r);
  Result<ApiResponse> Fetch(const ApiRequest& r);
  // `POST /btql` {query, fmt, cursor}.
  Result<ApiResponse> Btql(const ApiRequest& r);

  Authenticator& authenticator() { return auth_; }

 private:
  // The object named by (type, id) and its project, checking `needed` permission.
  Result<ResolvedObject> ResolveObject(const Caller& caller, const std::string& type,
                                       const std::string& id, model::Permission needed,
                                       std::string_view action);
  Result<store::ListOptions> ParseListOptions(const ApiRequest& r, const char* name_param);

  store::Store& store_;
  Clock& clock_;
  Metrics& metrics_;
  Authenticator auth_;
  HandlerOptions options_;
};

}  // namespace sluice::api
