#include "api/otlp/otel_routes.h"

namespace sluice::api {

void RegisterOtelRoutes(HttpServer& server, otlp::OtlpHandler& handler) {
  server.Route(
      "POST", "/otel/v1/traces", "/otel/v1/traces",
      [&handler](const ApiRequest& r) { return handler.Export(r); },
      &otlp::OtlpHandler::ErrorBeforeExport);
}

}  // namespace sluice::api
