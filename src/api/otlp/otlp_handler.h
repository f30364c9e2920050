// OtlpHandler: `POST /otel/v1/traces`, OpenTelemetry's OTLP/HTTP trace export (protobuf or
// JSON, any Content-Encoding the HTTP server decodes), as Braintrust's OTLP endpoint: the
// destination comes from the `x-bt-parent` header (project_id:, project_name:, experiment_id:),
// each span becomes one row (span_mapping.h), and all of a request's rows are written in one
// store transaction, as `/v1/.../insert` writes them. Answers follow the OTLP/HTTP spec.
// Thread-safe.
#pragma once

#include <atomic>
#include <string_view>

#include "api/api_types.h"
#include "api/authenticator.h"
#include "api/metrics.h"
#include "api/otlp/span_mapping.h"
#include "common/clock.h"
#include "store/store.h"

namespace sluice::api::otlp {

struct OtlpOptions {
  MappingOptions mapping;
  // The server's body limit; a request's decoded form is held to it too.
  size_t max_body_bytes = 64ull << 20;
  // Requests decoded and written at once; beyond, 429 until one finishes.
  int max_concurrent_requests = 16;
  // What Retry-After says on 429 and 503.
  int retry_after_seconds = 1;
};

class OtlpHandler {
 public:
  OtlpHandler(store::Store& store, Clock& clock, Metrics& metrics, OtlpOptions options = {})
      : store_(store), clock_(clock), metrics_(metrics), auth_(store), options_(options) {}

  // Always an answer for the client (errors too, as OTLP's Status message): 200 with an
  // ExportTraceServiceResponse (partial_success for spans not stored); 400 for a body that
  // does not decode or a bad x-bt-parent, 401, 403, 404, 413 past the body limit, 415 for
  // another Content-Type or Content-Encoding; 429 and 503 (with Retry-After) when busy.
  Result<ApiResponse> Export(const ApiRequest& r);

  // The answer to an error met before Export runs (a body past the limit, one that cannot be
  // read): google.rpc.Status in the request's encoding, with `http_status`.
  static ApiResponse ErrorBeforeExport(const Status& error, int http_status, const ApiRequest& r);

 private:
  struct Destination {
    model::ObjectRef object;
    model::Project project;
  };
  struct Outcome {
    int64_t rejected = 0;
    std::string message;
  };

  Result<Outcome> Ingest(const ApiRequest& r, bool protobuf);
  // The object named by the x-bt-parent header, checking the caller may write to it.
  Result<Destination> ResolveParent(const Caller& caller, std::string_view header);
  Result<model::Project> ProjectByName(const Caller& caller, std::string_view name);
  // The project of an experiment the caller may write to; kNotFound also for another org's.
  Result<model::Project> ExperimentProject(const Caller& caller, const std::string& experiment_id);

  store::Store& store_;
  Clock& clock_;
  Metrics& metrics_;
  Authenticator auth_;
  OtlpOptions options_;
  std::atomic<int> in_flight_{0};
};

}  // namespace sluice::api::otlp
