#include "api/routes.h"

#include <string>

namespace sluice::api {

namespace {

// `path` as an ECMAScript regex matching exactly that path.
std::string RegexEscape(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (std::string_view(R"(\^$.|?*+()[]{})").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

ApiResponse StaticResponse(const StaticFile& f) {
  ApiResponse r;
  r.content_type = std::string(f.content_type);
  r.body = std::string(f.bytes);
  // Revalidated on every load, so a new binary's UI is picked up at once.
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (f.path.ends_with(".html")) {
    // Scripts and styles only from this server; the API key never leaves the page.
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                           "base-uri 'none'; form-action 'none'");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
  }
  return r;
}

}  // namespace

void RegisterStaticRoutes(HttpServer& server, std::span<const StaticFile> files) {
  for (const StaticFile& f : files) {
    const StaticFile* file = &f;
    auto serve = [file](const ApiRequest&) -> Result<ApiResponse> { return StaticResponse(*file); };
    server.Route("GET", RegexEscape(StaticUrlPath(f)), "/ui/{file}", serve);
    if (f.path == "index.html") server.Route("GET", "/", "/", serve);
  }
}

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
  RegisterStaticRoutes(server, EmbeddedWebFiles());
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

void RegisterSdkRoutes(HttpServer& server, SdkHandlers& h) {
  auto bind = [&h](Result<ApiResponse> (SdkHandlers::*fn)(const ApiRequest&)) {
    return [&h, fn](const ApiRequest& r) { return (h.*fn)(r); };
  };
  server.Route("POST", "/api/apikey/login", "/api/apikey/login", bind(&SdkHandlers::Login));
  server.Route("GET", "/version", "/version", bind(&SdkHandlers::Version));
  server.Route("GET", "/ping", "/ping", [](const ApiRequest&) -> Result<ApiResponse> {
    return ApiResponse::Json(R"({"status":"ok"})");
  });
  server.Route("POST", "/api/project/register", "/api/project/register",
               bind(&SdkHandlers::RegisterProject));
  server.Route("GET", "/api/project", "/api/project", bind(&SdkHandlers::GetProject));
  server.Route("POST", "/api/experiment/register", "/api/experiment/register",
               bind(&SdkHandlers::RegisterExperiment));
  server.Route("POST", "/api/experiment/get", "/api/experiment/get",
               bind(&SdkHandlers::GetExperiments));
  server.Route("POST", "/api/base_experiment/get_id", "/api/base_experiment/get_id",
               bind(&SdkHandlers::BaseExperiment));
  server.Route("POST", "/api/dataset/register", "/api/dataset/register",
               bind(&SdkHandlers::RegisterDataset));
  server.Route("POST", "/api/self/get_object_info", "/api/self/get_object_info",
               bind(&SdkHandlers::ObjectInfo));
  server.Route("POST", "/logs3", "/logs3", bind(&SdkHandlers::Logs3));
  server.Route("POST", "/logs3/overflow", "/logs3/overflow", bind(&SdkHandlers::Logs3Overflow));
  server.Route("POST", "/attachment", "/attachment", bind(&SdkHandlers::CreateAttachment));
  server.Route("POST", "/attachment/status", "/attachment/status",
               bind(&SdkHandlers::AttachmentStatus));
  server.Route("GET", "/attachment", "/attachment", bind(&SdkHandlers::GetAttachment));
  server.Route("GET", "/experiment-comparison2", "/experiment-comparison2",
               bind(&SdkHandlers::CompareExperiments));
  const std::string blob = "/blob/(overflow|attachment)/([0-9a-f-]{36})/([A-Za-z0-9._-]{1,128})";
  server.Route("PUT", blob, "/blob/{kind}/{org}/{key}", bind(&SdkHandlers::PutBlob));
  server.Route("GET", "/blob/(attachment)/([0-9a-f-]{36})/([A-Za-z0-9._-]{1,128})",
               "/blob/{kind}/{org}/{key}", bind(&SdkHandlers::GetBlob));
}

void RegisterImportRoutes(HttpServer& server, ImportHandlers& h) {
  server.Route("POST", "/v1/(project_logs|experiment|dataset)/([^/]+)/import",
               "/v1/{object}/{id}/import", [&h](const ApiRequest& r) { return h.Start(r); });
  server.Route("GET", "/v1/import/([^/]+)", "/v1/import/{id}",
               [&h](const ApiRequest& r) { return h.GetJob(r); });
}

}  // namespace sluice::api
