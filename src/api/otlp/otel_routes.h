// Registers OpenTelemetry's OTLP/HTTP trace endpoint, `POST /otel/v1/traces` (otlp_handler.h),
// at the path Braintrust serves it. gRPC (OTLP/gRPC) is not served.
#pragma once

#include "api/http_server.h"
#include "api/otlp/otlp_handler.h"

namespace sluice::api {

// REQUIRES: `handler` outlives the server.
void RegisterOtelRoutes(HttpServer& server, otlp::OtlpHandler& handler);

}  // namespace sluice::api
