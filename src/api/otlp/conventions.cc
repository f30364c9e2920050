#include "api/otlp/conventions.h"

#include <initializer_list>
#include <iterator>

#include "api/otlp/messages.h"
#include "api/otlp/value_json.h"
#include "common/json.h"

namespace sluice::api::otlp {

namespace {

// A row metric and the attributes that give it, first match wins.
struct MetricSource {
  std::string_view metric;
  std::initializer_list<AttributeKey> keys;
};

const MetricSource kMetricSources[] = {
    {"prompt_tokens",
     {"gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt",
      "ai.usage.inputTokens", "ai.usage.promptTokens"}},
    {"completion_tokens",
     {"gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion",
      "ai.usage.outputTokens", "ai.usage.completionTokens"}},
    {"tokens",
     {"gen_ai.usage.total_tokens", "llm.usage.total_tokens", "llm.token_count.total",
      "ai.usage.totalTokens"}},
    {"prompt_cached_tokens",
     {"gen_ai.usage.cache_read.input_tokens", "llm.token_count.prompt_details.cache_read",
      "ai.usage.cachedInputTokens"}},
    {"completion_reasoning_tokens",
     {"llm.token_count.completion_details.reasoning", "ai.usage.reasoningTokens"}},
};

// A string attribute's text, "" when absent or not a string.
std::string_view StringOf(const AttributeIndex& a, AttributeKey key) {
  auto v = a.Find(key);
  if (!v || a.value(*v).kind != ValueKind::kString) return {};
  return a.value(*v).text;
}

// OpenInference's input.value / output.value: JSON when its mime type says so, else the text.
std::string MimeValue(AttributeIndex& a, AttributeKey value_key, AttributeKey mime_key) {
  const uint32_t v = *a.Take(value_key);
  const bool json = StringOf(a, mime_key) == "application/json";
  if (a.Find(mime_key)) a.MarkTaken(mime_key);
  return json ? JsonCarriedBy(a.request(), v) : ValueJson(a.request(), v);
}

std::string Input(const Span& span, AttributeIndex& a) {
  const DecodedRequest& r = a.request();
  if (auto v = a.Take("gen_ai.input.messages")) return JsonCarriedBy(r, *v);
  if (auto t = IndexedMessages(a, "gen_ai.prompt.", false); !t.empty()) return t;
  if (auto v = a.Take("gen_ai.prompt")) return JsonCarriedBy(r, *v);
  if (auto t = EventMessages(r, span, false); !t.empty()) return t;
  if (auto t = IndexedMessages(a, "llm.input_messages.", true); !t.empty()) return t;
  if (a.Find("input.value")) return MimeValue(a, "input.value", "input.mime_type");
  if (auto v = a.Take("ai.prompt.messages")) return JsonCarriedBy(r, *v);
  if (auto v = a.Take("ai.prompt")) return VercelPromptMessages(JsonCarriedBy(r, *v));
  if (auto v = a.Take("ai.toolCall.args")) return JsonCarriedBy(r, *v);
  if (auto v = a.Take("traceloop.entity.input")) return JsonCarriedBy(r, *v);
  return std::string();
}

std::string Output(const Span& span, AttributeIndex& a) {
  const DecodedRequest& r = a.request();
  if (auto v = a.Take("gen_ai.output.messages")) return JsonCarriedBy(r, *v);
  if (auto t = IndexedMessages(a, "gen_ai.completion.", false); !t.empty()) return t;
  if (auto v = a.Take("gen_ai.completion")) return JsonCarriedBy(r, *v);
  if (auto t = EventMessages(r, span, true); !t.empty()) return t;
  if (auto t = IndexedMessages(a, "llm.output_messages.", true); !t.empty()) return t;
  if (a.Find("output.value")) return MimeValue(a, "output.value", "output.mime_type");
  if (auto v = a.Take("ai.response.object")) return JsonCarriedBy(r, *v);
  if (auto v = a.Take("ai.response.text")) return ValueJson(r, *v);
  if (auto v = a.Take("ai.response.toolCalls")) return JsonCarriedBy(r, *v);
  if (auto v = a.Take("ai.toolCall.result")) return JsonCarriedBy(r, *v);
  if (auto v = a.Take("traceloop.entity.output")) return JsonCarriedBy(r, *v);
  return std::string();
}

void Metrics(AttributeIndex& a, ConventionFields* out) {
  std::optional<double> prompt, completion;
  bool total = false;
  for (const MetricSource& source : kMetricSources) {
    for (AttributeKey key : source.keys) {
      auto v = a.Find(key);
      std::optional<double> n = v ? ValueNumber(a.value(*v)) : std::nullopt;
      if (!n) continue;
      a.MarkTaken(key);
      out->metric_list[out->metric_count++] = {source.metric, *n};
      if (source.metric == "prompt_tokens") prompt = n;
      if (source.metric == "completion_tokens") completion = n;
      total = total || source.metric == "tokens";
      break;
    }
  }
  if (!total && (prompt || completion)) {
    out->metric_list[out->metric_count++] = {"tokens", prompt.value_or(0) + completion.value_or(0)};
  }
}

// Moves the attributes `<prefix><name>` into metadata as `<name>`.
void PrefixedMetadata(AttributeIndex& a, std::string_view prefix, ConventionFields* out) {
  thread_local std::vector<uint32_t> taken;  // kept between spans
  a.TakeWithPrefix(prefix, &taken);
  for (uint32_t v : taken) {
    out->metadata.push_back(
        ConventionFields::Member::OfValue(a.value(v).key.substr(prefix.size()), v));
  }
}

void Metadata(AttributeIndex& a, ConventionFields* out) {
  for (AttributeKey key : {AttributeKey("gen_ai.request.model"), AttributeKey("llm.model_name"),
                           AttributeKey("ai.model.id")}) {
    if (auto v = a.Take(key)) {
      out->metadata.push_back(ConventionFields::Member::OfValue("model", *v));
      break;
    }
  }
  PrefixedMetadata(a, "gen_ai.request.", out);
  if (auto v = a.Find("llm.invocation_parameters")) {
    auto parameters = Json::Parse(JsonCarriedBy(a.request(), *v));
    if (parameters.ok() && parameters->is_object()) {
      for (const auto& [k, p] : parameters->members()) {
        out->metadata.push_back(ConventionFields::Member::OfText(k, p.ToString()));
      }
      a.MarkTaken("llm.invocation_parameters");
    }
  }
  PrefixedMetadata(a, "ai.telemetry.metadata.", out);
}

std::string_view SpanType(const Span& span, const AttributeIndex& a) {
  const std::string_view op = StringOf(a, "gen_ai.operation.name");
  if (op == "execute_tool") return "tool";
  if (op == "chat" || op == "text_completion" || op == "generate_content" || op == "embeddings") {
    return "llm";
  }
  if (!op.empty()) return {};  // invoke_agent, create_agent, …: a task
  const std::string_view kind = StringOf(a, "openinference.span.kind");
  if (kind == "LLM" || kind == "EMBEDDING") return "llm";
  if (kind == "TOOL") return "tool";
  if (!kind.empty()) return {};
  if (StringOf(a, "traceloop.span.kind") == "tool") return "tool";
  std::string_view vercel = StringOf(a, "ai.operationId");
  if (vercel.empty() && span.name.starts_with("ai.")) vercel = span.name;
  if (vercel.ends_with(".doGenerate") || vercel.ends_with(".doStream") ||
      vercel.ends_with(".doEmbed")) {
    return "llm";
  }
  if (vercel == "ai.toolCall") return "tool";
  static constexpr AttributeKey kLlmKeys[] = {
      "gen_ai.request.model",       "gen_ai.system",
      "gen_ai.provider.name",       "gen_ai.usage.input_tokens",
      "gen_ai.usage.prompt_tokens", "llm.request.type"};
  for (AttributeKey key : kLlmKeys) {
    if (a.Find(key)) return "llm";
  }
  return {};
}

}  // namespace

// Each source gives at most one metric, and tokens may be added from the parts.
static_assert(std::size(kMetricSources) + 1 <= ConventionFields::kMaxMetrics);

ConventionFields ReadConventions(const Span& span, AttributeIndex& attributes) {
  ConventionFields out;
  out.metadata.reserve(8);  // the model and a few request parameters, in one allocation
  out.type = SpanType(span, attributes);
  out.input = Input(span, attributes);
  out.output = Output(span, attributes);
  Metrics(attributes, &out);
  Metadata(attributes, &out);
  return out;
}

}  // namespace sluice::api::otlp
