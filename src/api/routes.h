// Registers the REST API's routes on an HttpServer.
#pragma once

#include "api/automation_handlers.h"
#include "api/handlers.h"
#include "api/http_server.h"

namespace sluice::api {

// Projects, experiments, datasets, insert/fetch, /healthz and /metrics.
// REQUIRES: handlers and metrics outlive the server.
void RegisterCoreRoutes(HttpServer& server, Handlers& handlers, Metrics& metrics);

// `/v1/project_automation…`, `/automation/cron…`, `/automation/test` and
// `/automation/retention/{id}/…`.
void RegisterAutomationRoutes(HttpServer& server, AutomationHandlers& handlers);

}  // namespace sluice::api
