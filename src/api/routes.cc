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

void RegisterAutomationRoutes(HttpServer& server, AutomationHandlers& h) {
  auto bind = [&h](Result<ApiResponse> (AutomationHandlers::*fn)(const ApiRequest&)) {
    return [&h, fn](const ApiRequest& r) { return (h.*fn)(r); };
  };
  const std::string one = "/v1/project_automation/([^/]+)";
  server.Route("POST", "/v1/project_automation", "/v1/project_automation",
               bind(&AutomationHandlers::Create));
  server.Route("PUT", "/v1/project_automation", "/v1/project_automation",
               bind(&AutomationHandlers::Replace));
  server.Route("GET", "/v1/project_automation", "/v1/project_automation",
               bind(&AutomationHandlers::List));
  server.Route("GET", one, "/v1/project_automation/{id}", bind(&AutomationHandlers::Get));
  server.Route("PATCH", one, "/v1/project_automation/{id}", bind(&AutomationHandlers::Patch));
  server.Route("DELETE", one, "/v1/project_automation/{id}", bind(&AutomationHandlers::Delete));
  const std::string cron = "/automation/cron/([^/]+)/";
  server.Route("POST", "/automation/cron", "/automation/cron",
               bind(&AutomationHandlers::CronRegister));
  server.Route("GET", cron + "status", "/automation/cron/{id}/status",
               bind(&AutomationHandlers::CronStatus));
  server.Route("POST", cron + "run", "/automation/cron/{id}/run",
               bind(&AutomationHandlers::CronRun));
  server.Route("POST", cron + "reset", "/automation/cron/{id}/reset",
               bind(&AutomationHandlers::CronReset));
  server.Route("POST", "/automation/test", "/automation/test",
               bind(&AutomationHandlers::TestAutomation));
  const std::string ret = "/automation/retention/([^/]+)/";
  server.Route("POST", ret + "run", "/automation/retention/{id}/run",
               bind(&AutomationHandlers::RetentionRun));
  server.Route("GET", ret + "preview", "/automation/retention/{id}/preview",
               bind(&AutomationHandlers::RetentionPreview));
  server.Route("POST", ret + "restore", "/automation/retention/{id}/restore",
               bind(&AutomationHandlers::RetentionRestore));
  server.Route("GET", ret + "status", "/automation/retention/{id}/status",
               bind(&AutomationHandlers::RetentionStatus));
}

}  // namespace sluice::api
