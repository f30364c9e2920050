// The HTTP half of the ingest benchmark: posts insert requests to a running sluice server
// (`POST /v1/project_logs/{project_id}/insert`, Bearer API key; or the SDKs' `/logs3`, or OTLP
// protobuf to `/otel/v1/traces`) over a few concurrent keep-alive connections with libcurl, and
// measures what the server accepted.
#pragma once

#include <string>
#include <vector>

#include "bench/ingest/ingest_common.h"

namespace sluice::bench {

struct HttpIngestOptions {
  std::string url;         // the server's base URL, "http://127.0.0.1:8080"
  std::string api_key;     // "sk-..."
  std::string project_id;  // the project whose logs receive the spans
  int connections = 4;     // concurrent connections, each posting one batch at a time
  // Post to the Braintrust SDKs' `/logs3` instead of the insert API (the batches must be
  // /logs3 bodies).
  bool logs3 = false;
  // Post OTLP/HTTP protobuf to `/otel/v1/traces` (x-bt-parent: project_id:…) instead.
  bool otlp = false;
};

// Posts every batch once. A batch counts as accepted when the server answers 200 with one row id
// per span; anything else is counted in failed_batches (first_error holds the first reason).
// REQUIRES: curl_global_init was called.
IngestFigures PostBatches(const HttpIngestOptions& options, const std::vector<Batch>& batches);

}  // namespace sluice::bench
