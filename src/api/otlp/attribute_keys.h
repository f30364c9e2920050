// The attribute keys the OTLP mapping looks up by name (attribute_index.h), each resolved to its
// number when the code is compiled, and Classify, which finds a key's number at run time: a check
// of its first byte and length, then for the few that pass one hash and a probe of a table made
// at compile time.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string_view>
#include <type_traits>

namespace sluice::api::otlp {

namespace attribute_keys {

// Every attribute key the mapping asks for by name (conventions.cc, braintrust_attributes.cc,
// messages.cc, span_mapping.cc). An AttributeKey of a name missing here does not compile.
inline constexpr std::string_view kNames[] = {
    "ai.model.id",
    "ai.operationId",
    "ai.prompt",
    "ai.prompt.messages",
    "ai.response.object",
    "ai.response.text",
    "ai.response.toolCalls",
    "ai.toolCall.args",
    "ai.toolCall.result",
    "ai.usage.cachedInputTokens",
    "ai.usage.completionTokens",
    "ai.usage.inputTokens",
    "ai.usage.outputTokens",
    "ai.usage.promptTokens",
    "ai.usage.reasoningTokens",
    "ai.usage.totalTokens",
    "braintrust.expected",
    "braintrust.input",
    "braintrust.input_json",
    "braintrust.metadata",
    "braintrust.metrics",
    "braintrust.output",
    "braintrust.output_json",
    "braintrust.scores",
    "braintrust.span_attributes",
    "braintrust.tags",
    "exception.message",
    "exception.stacktrace",
    "exception.type",
    "gen_ai.completion",
    "gen_ai.event.content",
    "gen_ai.input.messages",
    "gen_ai.operation.name",
    "gen_ai.output.messages",
    "gen_ai.prompt",
    "gen_ai.provider.name",
    "gen_ai.request.model",
    "gen_ai.system",
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.completion_tokens",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.prompt_tokens",
    "gen_ai.usage.total_tokens",
    "input.mime_type",
    "input.value",
    "llm.invocation_parameters",
    "llm.model_name",
    "llm.request.type",
    "llm.token_count.completion",
    "llm.token_count.completion_details.reasoning",
    "llm.token_count.prompt",
    "llm.token_count.prompt_details.cache_read",
    "llm.token_count.total",
    "llm.usage.total_tokens",
    "openinference.span.kind",
    "output.mime_type",
    "output.value",
    "traceloop.entity.input",
    "traceloop.entity.output",
    "traceloop.span.kind",
};
inline constexpr size_t kCount = std::size(kNames);

// Eight bytes at a time, each word mixed in by a multiply: every byte counts, since many keys
// share their start and end ("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens").
constexpr uint64_t Hash(std::string_view key) {
  auto load = [&key](size_t at, size_t n) {
    uint64_t w = 0;
    if (std::is_constant_evaluated()) {
      for (size_t b = 0; b < n; ++b) w |= uint64_t{static_cast<uint8_t>(key[at + b])} << (8 * b);
    } else {
      std::memcpy(&w, key.data() + at, n);  // little-endian, as the loop above reads
    }
    return w;
  };
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  uint64_t h = key.size() * kMul;
  size_t i = 0;
  for (; i + 8 <= key.size(); i += 8) {
    h = (h ^ load(i, 8)) * kMul;
    h ^= h >> 29;
  }
  if (i < key.size()) {
    const size_t n = key.size() - i;
    uint64_t tail;
    if (!std::is_constant_evaluated() && key.size() >= 8) {
      // The last eight bytes in one load, less those hashed already: the same value as
      // load(i, n), without a copy of variable length (a call, then a reload that stalls).
      std::memcpy(&tail, key.data() + key.size() - 8, 8);
      tail >>= 8 * (8 - n);
    } else {
      tail = load(i, n);
    }
    h = (h ^ tail) * kMul;
  }
  h ^= h >> 32;
  return h * 0xC2B2AE3D27D4EB4Full;
}

// Open addressing over the names' hashes: slot -> name number + 1, 0 when empty. A quarter full,
// so that most keys not in the list end at their first slot.
inline constexpr size_t kSlots = 256;
static_assert(kCount * 4 <= kSlots);
constexpr std::array<uint8_t, kSlots> MakeTable() {
  std::array<uint8_t, kSlots> table{};
  for (size_t n = 0; n < kCount; ++n) {
    size_t s = Hash(kNames[n]) & (kSlots - 1);
    while (table[s] != 0) s = (s + 1) & (kSlots - 1);
    table[s] = static_cast<uint8_t>(n + 1);
  }
  return table;
}
inline constexpr std::array<uint8_t, kSlots> kTable = MakeTable();

// For each first byte, a bit per length (below 64) of the names starting with it: most keys not
// in the list are turned away by this before they are hashed.
constexpr std::array<uint64_t, 256> MakeLengths() {
  std::array<uint64_t, 256> lengths{};
  for (std::string_view name : kNames) {
    static_assert(std::size(kNames) > 0);
    if (name.size() >= 64) throw "a name of 64 bytes or more: widen the length bits";
    lengths[static_cast<uint8_t>(name.front())] |= uint64_t{1} << name.size();
  }
  return lengths;
}
inline constexpr std::array<uint64_t, 256> kLengths = MakeLengths();

// The number of `key` in kNames, or kCount when it is not there.
inline size_t Classify(std::string_view key) {
  if (key.empty() || key.size() >= 64 ||
      (kLengths[static_cast<uint8_t>(key.front())] >> key.size() & 1) == 0) {
    return kCount;
  }
  for (size_t s = Hash(key) & (kSlots - 1); kTable[s] != 0; s = (s + 1) & (kSlots - 1)) {
    if (kNames[kTable[s] - 1] == key) return kTable[s] - 1;
  }
  return kCount;
}

}  // namespace attribute_keys

}  // namespace sluice::api::otlp
