// What the well-known attribute conventions of LLM instrumentation say about one span:
// OpenTelemetry's GenAI semantic conventions (gen_ai.*, with OpenLLMetry's indexed messages and
// llm.usage.*), OpenInference (input.value, llm.*), the Vercel AI SDK (ai.*) and OpenLLMetry's
// traceloop.entity.*. The mapping table is in docs/api.md ("OpenTelemetry (OTLP) ingest").
#pragma once

#include <array>
#include <cstdint>
#include <span>
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
  // A metadata member: a request value under its own key or a part of it, or JSON text.
  struct Member {
    static constexpr uint32_t kText = UINT32_MAX;
    std::string_view key;  // a literal, or a view into the request
    uint32_t value = kText;
    std::string owned_key;  // when the key comes from JSON text (`key` is then empty)
    std::string text;       // when value == kText

    static Member OfValue(std::string_view key, uint32_t value) {
      Member m;
      m.key = key;
      m.value = value;
      return m;
    }
    static Member OfText(std::string key, std::string text) {
      Member m;
      m.owned_key = std::move(key);
      m.text = std::move(text);
      return m;
    }
  };
  // metadata members: the model, request parameters, the application's own metadata.
  std::vector<Member> metadata;
  // metrics members: token counts, at most one per metric (kMaxMetrics), with no allocation.
  static constexpr size_t kMaxMetrics = 6;
  std::array<std::pair<std::string_view, double>, kMaxMetrics> metric_list;
  size_t metric_count = 0;
  std::span<const std::pair<std::string_view, double>> metrics() const {
    return {metric_list.data(), metric_count};
  }
  // span_attributes.type: "llm", "tool", or empty (not decided by a convention).
  std::string_view type;
};

// Reads the conventions from the span's attributes and events, marking in `attributes` each
// attribute a field was taken from. Where several conventions give the same field, the first
// in the docs' order wins; the others' attributes stay (in metadata).
ConventionFields ReadConventions(const Span& span, AttributeIndex& attributes);

}  // namespace sluice::api::otlp
