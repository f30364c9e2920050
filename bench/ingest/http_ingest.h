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
  // 0: post each batch once. Otherwise post at least this many spans (whole rounds of the
  // batches) by cycling through the batches, each round with fresh row ids (insert API bodies
  // only), so a run can store far more spans than it holds in memory.
  uint64_t total_spans = 0;
  // Non-zero: also measure (and print as it ends) the rate of each consecutive `window_spans`
  // accepted spans.
  uint64_t window_spans = 0;
  int64_t server_pid = 0;  // with windows: the server's CPU per window too
};

// The accepted spans of one window of a run, in the order they were accepted.
struct WindowFigures {
  uint64_t stored_after = 0;  // spans accepted by the window's end
  double seconds = 0;
  double server_cpu_seconds = -1;         // -1: not measured
  double server_system_cpu_seconds = -1;  // the kernel's part of it; -1: not measured
};

// Prints one window's line: the spans it took, its rate and the server's CPU per span, with
// the kernel's share of that CPU.
void PrintWindow(const WindowFigures& w, uint64_t stored_before);

// Posts every batch once. A batch counts as accepted when the server answers 200 with one row id
// per span; anything else is counted in failed_batches (first_error holds the first reason).
// REQUIRES: curl_global_init was called.
IngestFigures PostBatches(const HttpIngestOptions& options, const std::vector<Batch>& batches,
                          std::vector<WindowFigures>* windows = nullptr);

}  // namespace sluice::bench
