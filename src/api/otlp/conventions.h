// What the well-known attribute conventions of LLM instrumentation say about one span:
// OpenTelemetry's GenAI semantic conventions (gen_ai.*, with OpenLLMetry's indexed messages and
// llm.usage.*), OpenInference (input.value, llm.*), the Vercel AI SDK (ai.*) and OpenLLMetry's
// traceloop.entity.*. The mapping table is in docs/api.md ("OpenTelemetry (OTLP) ingest").
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/otlp/attribute_index.h"
#include "api/otlp/otlp_request.h"

namespace sluice::api::otlp {

struct ConventionFields {
  std::string input;   // JSON text, "" when no convention gives one
  std::string output;  // JSON text, "" when none
  // metadata members: the model, request parameters, the application's own metadata.
  std::vector<std::pair<std::string, std::string>> metadata;  // key, JSON text
  // metrics members: token counts.
  std::vector<std::pair<std::string_view, double>> metrics;
  // span_attributes.type: "llm", "tool", or empty (not decided by a convention).
  std::string_view type;
};

// Reads the conventions from the span's attributes and events, marking in `attributes` each
// attribute a field was taken from. Where several conventions give the same field, the first
// in the docs' order wins; the others' attributes stay (in metadata).
ConventionFields ReadConventions(const Span& span, AttributeIndex& attributes);

}  // namespace sluice::api::otlp
