#include "bench/gen/span_content.h"

#include <algorithm>
#include <array>
#include <vector>

#include "bench/gen/text.h"
#include "common/json_writer.h"
#include "common/status.h"

namespace sluice::bench {

namespace {

// A JSON value with '@' where each text part goes as a JSON string; `shares` are the fractions
// of the text bytes each part gets (the last part takes the remainder).
struct Shape {
  std::string_view json;
  std::array<double, 2> shares;
  int parts;
};

constexpr Shape kPlain = {"@", {1.0, 0}, 1};
constexpr Shape kMessages = {
    R"([{"role":"system","content":@},{"role":"user","content":@}])", {0.35, 0}, 2};
constexpr Shape kChoices = {
    R"([{"index":0,"message":{"role":"assistant","content":@},"finish_reason":"stop"}])",
    {1.0, 0},
    1};
constexpr Shape kQuery = {R"({"query":@})", {1.0, 0}, 1};
constexpr Shape kResults = {
    R"({"results":[{"rank":1,"text":@},{"rank":2,"text":@}]})", {0.5, 0}, 2};
constexpr Shape kQuestion = {R"({"question":@})", {1.0, 0}, 1};
constexpr Shape kScoreInput = {R"({"output":@,"expected":@})", {0.6, 0}, 2};
constexpr Shape kRationale = {R"({"rationale":@})", {1.0, 0}, 1};

// Bytes of the shape without its text: the template minus placeholders plus two quotes each.
size_t Overhead(const Shape& shape) { return shape.json.size() + shape.parts; }

// Renders `shape` with text parts adding up to exactly `bytes` of JSON.
std::string Render(const Shape& shape, size_t bytes, Rng& rng) {
  const Shape& s = bytes >= Overhead(shape) + shape.parts ? shape : kPlain;
  const size_t text = bytes - Overhead(s);
  std::vector<size_t> sizes;
  size_t left = text;
  for (int i = 0; i + 1 < s.parts; ++i) {
    size_t n = static_cast<size_t>(static_cast<double>(text) * s.shares[i]);
    n = std::max<size_t>(1, std::min(n, left - (s.parts - 1 - i)));
    sizes.push_back(n);
    left -= n;
  }
  sizes.push_back(left);
  std::string out;
  out.reserve(bytes);
  size_t part = 0;
  for (char c : s.json) {
    if (c != '@') {
      out.push_back(c);
      continue;
    }
    std::string raw;
    AppendText(rng, sizes[part++], raw);
    AppendJsonString(out, raw);
  }
  SLUICE_CHECK(out.size() == bytes);
  return out;
}

template <size_t N>
std::string_view PickFrom(const std::array<std::string_view, N>& names, Rng& rng) {
  static const WeightedChoice kChoice = WeightedChoice::Zipf(N, 1.1);
  return names[kChoice.Pick(rng)];
}

}  // namespace

std::string_view SpanKindName(SpanKind kind) {
  switch (kind) {
    case SpanKind::kTask: return "task";
    case SpanKind::kLlm: return "llm";
    case SpanKind::kTool: return "tool";
    case SpanKind::kFunction: return "function";
    case SpanKind::kScore: return "score";
  }
  return "task";
}

std::string MakeInput(SpanKind kind, size_t bytes, Rng& rng) {
  SLUICE_CHECK(bytes >= kMinTextBytes);
  switch (kind) {
    case SpanKind::kLlm: return Render(kMessages, bytes, rng);
    case SpanKind::kTool: return Render(kQuery, bytes, rng);
    case SpanKind::kScore: return Render(kScoreInput, bytes, rng);
    case SpanKind::kTask:
    case SpanKind::kFunction: return Render(rng.Chance(0.5) ? kQuestion : kPlain, bytes, rng);
  }
  return Render(kPlain, bytes, rng);
}

std::string MakeOutput(SpanKind kind, size_t bytes, Rng& rng) {
  SLUICE_CHECK(bytes >= kMinTextBytes);
  switch (kind) {
    case SpanKind::kLlm: return Render(kChoices, bytes, rng);
    case SpanKind::kTool: return Render(kResults, bytes, rng);
    case SpanKind::kScore: return Render(kRationale, bytes, rng);
    case SpanKind::kTask:
    case SpanKind::kFunction: return Render(kPlain, bytes, rng);
  }
  return Render(kPlain, bytes, rng);
}

std::string MakePlainText(size_t bytes, Rng& rng) {
  SLUICE_CHECK(bytes >= 2);
  return Render(kPlain, bytes, rng);
}

std::string_view PickSpanName(SpanKind kind, Rng& rng) {
  static constexpr std::array<std::string_view, 5> kTasks = {
      "handle_chat_request", "answer_question", "rag_pipeline", "agent_run", "summarize_ticket"};
  static constexpr std::array<std::string_view, 4> kLlms = {
      "openai.chat.completions.create", "Chat Completion", "anthropic.messages.create", "generate"};
  static constexpr std::array<std::string_view, 6> kTools = {
      "search_docs", "get_order_status", "sql_query", "web_search", "get_weather", "send_email"};
  static constexpr std::array<std::string_view, 5> kFunctions = {
      "retrieve", "rerank", "format_prompt", "parse_response", "embed_query"};
  static constexpr std::array<std::string_view, 5> kScores = {
      "Factuality", "Relevance", "Helpfulness", "Accuracy", "Toxicity"};
  switch (kind) {
    case SpanKind::kTask: return PickFrom(kTasks, rng);
    case SpanKind::kLlm: return PickFrom(kLlms, rng);
    case SpanKind::kTool: return PickFrom(kTools, rng);
    case SpanKind::kFunction: return PickFrom(kFunctions, rng);
    case SpanKind::kScore: return PickFrom(kScores, rng);
  }
  return "span";
}

std::string PickError(Rng& rng) {
  static constexpr std::array<std::string_view, 6> kErrors = {
      "RateLimitError: Rate limit reached for requests per minute (RPM): Limit 500, Used 500",
      "TimeoutError: Request timed out after 30.0 seconds",
      "ToolExecutionError: upstream service returned HTTP 503 Service Unavailable",
      "ValidationError: 1 validation error for Answer\ncitations\n  field required",
      "ContextLengthExceeded: This model's maximum context length is 128000 tokens",
      "KeyError: 'choices'\nTraceback (most recent call last):\n  File \"app.py\", line 88"};
  std::string out;
  AppendJsonString(out, PickFrom(kErrors, rng));
  return out;
}

}  // namespace sluice::bench
