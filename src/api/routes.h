// Registers the REST API's routes on an HttpServer.
#pragma once

#include "api/automation_handlers.h"
#include "api/handlers.h"
#include "api/http_server.h"
#include "api/import_handlers.h"
#include "api/sdk_handlers.h"
#include "api/static_files.h"

namespace sluice::api {

// Projects, experiments, datasets, insert/fetch, /healthz and /metrics, and the web UI
// (RegisterStaticRoutes). REQUIRES: handlers and metrics outlive the server.
void RegisterCoreRoutes(HttpServer& server, Handlers& handlers, Metrics& metrics);

// `/v1/project_automation…`, `/automation/cron…`, `/automation/test` and
// `/automation/retention/{id}/…`.
void RegisterAutomationRoutes(HttpServer& server, AutomationHandlers& handlers);

// What the Braintrust SDKs call: `/api/apikey/login`, `/api/{project,experiment,dataset}/…`,
// `/version`, `/ping`, `/logs3`, `/logs3/overflow`, `/attachment…`, `/experiment-comparison2`,
// and the signed upload and download URLs under `/blob/`.
void RegisterSdkRoutes(HttpServer& server, SdkHandlers& handlers);

// `POST /v1/{project_logs|experiment|dataset}/{id}/import` and `GET /v1/import/{id}`.
void RegisterImportRoutes(HttpServer& server, ImportHandlers& handlers);

// The embedded web UI: `GET /` (index.html) and `GET /ui/<file>` for every file of `files`,
// each an exact path, so no API path is ever answered with a file. REQUIRES: `files` outlive
// the server (EmbeddedWebFiles() does).
void RegisterStaticRoutes(HttpServer& server, std::span<const StaticFile> files);

}  // namespace sluice::api
