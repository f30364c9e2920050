// The payloads of generated spans: input, output and expected values shaped as an LLM
// application logs them (chat messages, completion choices, tool arguments and results), each
// serialized to an exact number of bytes, plus span names and error messages.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "bench/gen/random.h"

namespace sluice::bench {

// What a span does; its name is the Braintrust span_attributes.type.
enum class SpanKind { kTask, kLlm, kTool, kFunction, kScore };

// "task", "llm", "tool", "function", "score".
std::string_view SpanKindName(SpanKind kind);

// Bounds of the serialized size of every generated input, output and expected value.
inline constexpr size_t kMinTextBytes = 100;
inline constexpr size_t kMaxTextBytes = 8192;

// Canonical compact JSON for the input of a span of `kind`, exactly `bytes` long.
// REQUIRES: bytes >= kMinTextBytes.
std::string MakeInput(SpanKind kind, size_t bytes, Rng& rng);
// Same for the output.
std::string MakeOutput(SpanKind kind, size_t bytes, Rng& rng);
// A JSON string value (expected answer), exactly `bytes` long. REQUIRES: bytes >= 2.
std::string MakePlainText(size_t bytes, Rng& rng);

// A span name fitting the kind ("openai.chat.completions.create", "search_docs", …).
std::string_view PickSpanName(SpanKind kind, Rng& rng);
// An error as a JSON string value, in the style of exception messages.
std::string PickError(Rng& rng);

}  // namespace sluice::bench
