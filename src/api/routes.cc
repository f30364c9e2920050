#include "api/routes.h"

namespace sluice::api {

void RegisterCoreRoutes(HttpServer& server, Handlers& h, Metrics& metrics) {
  auto bind = [&h](Result<ApiResponse> (Handlers::*fn)(const ApiRequest&)) {
    return [&h, fn](const ApiRequest& r) { return (h.*fn)(r); };
  };
  server.Route("GET", "/healthz", "/healthz", [](const ApiRequest&) -> Result<ApiResponse> {
    return ApiResponse::Json(R"({"status":"ok"})");
  });
  server.Route("GET", "/metrics", "/metrics", [&metrics](const ApiRequest&) -> Result<ApiResponse> {
    ApiResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = metrics.Render();
    return r;
  });
  server.Route("POST", "/v1/project", "/v1/project", bind(&Handlers::CreateProject));
  server.Route("GET", "/v1/project", "/v1/project", bind(&Handlers::ListProjects));
  server.Route("GET", "/v1/project/([^/]+)", "/v1/project/{id}", bind(&Handlers::GetProject));
  server.Route("POST", "/v1/experiment", "/v1/experiment", bind(&Handlers::CreateExperiment));
  server.Route("GET", "/v1/experiment", "/v1/experiment", bind(&Handlers::ListExperiments));
  server.Route("GET", "/v1/experiment/([^/]+)", "/v1/experiment/{id}",
               bind(&Handlers::GetExperiment));
  server.Route("POST", "/v1/dataset", "/v1/dataset", bind(&Handlers::CreateDataset));
  server.Route("GET", "/v1/dataset", "/v1/dataset", bind(&Handlers::ListDatasets));
  server.Route("GET", "/v1/dataset/([^/]+)", "/v1/dataset/{id}", bind(&Handlers::GetDataset));
  const std::string rows = "/v1/(project_logs|experiment|dataset)/([^/]+)/";
  server.Route("POST", rows + "insert", "/v1/{object}/{id}/insert", bind(&Handlers::Insert));
  server.Route("POST", rows + "fetch", "/v1/{object}/{id}/fetch", bind(&Handlers::Fetch));
  server.Route("GET", rows + "fetch", "/v1/{object}/{id}/fetch", bind(&Handlers::Fetch));
  server.Route("POST", "/btql", "/btql", bind(&Handlers::Btql));
}

}  // namespace sluice::api
