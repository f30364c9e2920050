// The traces shape (DESIGN.md §4): one row per trace, built from all spans sharing a
// root_span_id. The row is the root span's identity and content plus the trace's summary; the
// exact rules are in docs/query.md ("Traces").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/event.h"
#include "query/row.h"

namespace sluice::query {

struct TraceRow {
  // The root span with scores, metrics and _xact_id replaced by the trace's figures.
  model::Event root;
  TraceStats stats;
};

// Summarizes one trace's spans (any order). nullopt when no span is the root (is_root, or
// span_id equal to root_span_id): such a trace is incomplete and not returned.
std::optional<TraceRow> BuildTrace(const std::vector<model::Event>& spans);

// The row as one compact JSON object: the span fields of AppendEventJson followed by
// span_count, error_count and llm_calls.
void AppendTraceJson(const model::Event& root, const TraceStats& stats, std::string& out);

}  // namespace sluice::query
