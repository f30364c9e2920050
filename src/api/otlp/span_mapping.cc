#include "api/otlp/span_mapping.h"

#include <array>
#include <cstring>
#include <string>

#include "api/otlp/attribute_index.h"
#include "api/otlp/braintrust_attributes.h"
#include "api/otlp/conventions.h"
#include "api/otlp/value_json.h"
#include "common/json_writer.h"
#include "common/time_util.h"

namespace sluice::api::otlp {

namespace {

// "00" to "ff": each byte's two hex digits (lower case), written with one copy.
constexpr std::array<char, 512> kHexPairs = [] {
  constexpr char kDigits[] = "0123456789abcdef";
  std::array<char, 512> pairs{};
  for (size_t b = 0; b < 256; ++b) {
    pairs[2 * b] = kDigits[b >> 4];
    pairs[2 * b + 1] = kDigits[b & 15];
  }
  return pairs;
}();

// The id's hex digits, between `open` and `close`.
std::string Hex(const SpanIdBytes& id, std::string_view open = "", std::string_view close = "") {
  std::string out(open.size() + 2 * id.size + close.size(), '\0');
  char* p = out.data();
  std::memcpy(p, open.data(), open.size());
  p += open.size();
  for (size_t i = 0; i < id.size; ++i, p += 2) std::memcpy(p, &kHexPairs[2 * id.bytes[i]], 2);
  std::memcpy(p, close.data(), close.size());
  return out;
}

bool AllZero(const SpanIdBytes& id) {
  for (size_t i = 0; i < id.size; ++i) {
    if (id.bytes[i] != 0) return false;
  }
  return true;
}

Status CheckId(const SpanIdBytes& id, size_t size, std::string_view name) {
  if (!id.malformed && id.size == size && !AllZero(id)) return Status();
  return InvalidArgumentError(std::string(name) + " must be " + std::to_string(size) + " bytes (" +
                              std::to_string(2 * size) + " hex digits), not all zero");
}

// Whether the span has a parent: an empty parent id, or one of zeros, means a root span.
Result<bool> CheckIds(const Span& span) {
  SLUICE_RETURN_IF_ERROR(CheckId(span.trace_id, 16, "trace id"));
  SLUICE_RETURN_IF_ERROR(CheckId(span.span_id, 8, "span id"));
  if (span.parent_span_id.size == 0 && !span.parent_span_id.malformed) return false;
  if (AllZero(span.parent_span_id) && !span.parent_span_id.malformed) return false;
  SLUICE_RETURN_IF_ERROR(CheckId(span.parent_span_id, 8, "parent span id"));
  return true;
}

double Seconds(uint64_t unix_nano) {
  return static_cast<double>(unix_nano / 1'000'000'000) +
         static_cast<double>(unix_nano % 1'000'000'000) / 1e9;
}

std::string JsonStringText(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

// `error`: the status message and the exception event (type: message, then the stack trace),
// for spans whose status is ERROR; "" for the others.
std::string ErrorJson(const DecodedRequest& r, const Span& span) {
  if (span.status_code != static_cast<int32_t>(StatusCodeOtlp::kError)) return std::string();
  std::string exception;
  for (uint32_t e = span.events_begin; e < span.events_end && exception.empty(); ++e) {
    if (r.events[e].name != "exception") continue;
    AttributeIndex a(r, r.events[e].attributes);
    auto text = [&](AttributeKey key) -> std::string_view {
      auto v = a.Find(key);
      return v && a.value(*v).kind == ValueKind::kString ? a.value(*v).text : std::string_view();
    };
    exception = std::string(text("exception.type"));
    if (!text("exception.message").empty()) {
      exception.append(exception.empty() ? "" : ": ").append(text("exception.message"));
    }
    // A stack trace that starts with "type: message" (as JavaScript's does) says it itself.
    const std::string_view stack = text("exception.stacktrace");
    if (stack.starts_with(exception)) {
      exception = std::string(stack);
    } else if (!stack.empty()) {
      exception.append("\n").append(stack);
    }
  }
  std::string message(span.status_message);
  if (!exception.empty() && exception.find(message) == std::string::npos) {
    message.append("\n\n").append(exception);
  } else if (!exception.empty()) {
    message = exception;
  }
  return JsonStringText(message.empty() ? "span status is ERROR" : message);
}

// Whether `members` has one named `key`.
bool Has(const std::vector<std::pair<std::string, std::string>>& members, std::string_view key) {
  for (const auto& m : members) {
    if (m.first == key) return true;
  }
  return false;
}

// Appends `"key":` to an object being written.
void AppendKey(std::string& out, std::string_view key) {
  if (out.size() > 1) out.push_back(',');
  AppendJsonString(out, key);
  out.push_back(':');
}

// AppendKey for a key of ours, which needs no escaping.
void AppendPlainKey(std::string& out, std::string_view key) {
  if (out.size() > 1) out.push_back(',');
  out.push_back('"');
  out += key;
  out += "\":";
}

// start, end and the conventions' metrics, less those braintrust.metrics sets, then those.
std::string MetricsJson(const Span& span, const ConventionFields& conventions,
                        const BraintrustFields& bt) {
  std::string out;
  out.reserve(96);
  out.push_back('{');
  auto number = [&](std::string_view key, double v) {  // start, end and kMetricSources' names
    if (Has(bt.metrics, key)) return;
    AppendPlainKey(out, key);
    AppendJsonDouble(out, v);
  };
  if (span.start_unix_nano > 0) number("start", Seconds(span.start_unix_nano));
  if (span.end_unix_nano > 0) number("end", Seconds(span.end_unix_nano));
  for (const auto& [name, v] : conventions.metrics()) number(name, v);
  for (const auto& [name, text] : bt.metrics) {
    AppendKey(out, name);
    out += text;
  }
  out.push_back('}');
  return out.size() == 2 ? std::string() : out;
}

std::string MetadataJson(const DecodedRequest& r, const Span& span, const AttributeIndex& a,
                         const ConventionFields& conventions, const BraintrustFields& bt,
                         const MappingOptions& options) {
  thread_local MemberList metadata;  // its list is kept between spans
  metadata.Clear();
  const ValueRange resource = r.resources[span.resource];
  if (options.extra_attributes == ExtraAttributes::kAll) {
    for (uint32_t i = resource.begin; i < resource.end; i += r.values[i].subtree) {
      metadata.AddValue(r.values[i].key, i);
    }
  }
  if (options.extra_attributes != ExtraAttributes::kNone) {
    a.ForEachLeft([&](uint32_t i) { metadata.AddValue(r.values[i].key, i); });
  }
  for (const ConventionFields::Member& m : conventions.metadata) {
    if (m.value != ConventionFields::Member::kText) {
      metadata.AddValue(m.key, m.value);
    } else {
      metadata.AddText(m.owned_key, m.text);
    }
  }
  for (const auto& [k, text] : bt.metadata) metadata.AddText(k, text);
  return metadata.Write(r);
}

std::string SpanAttributesJson(const Span& span, const ConventionFields& conventions,
                               const BraintrustFields& bt) {
  std::string out;
  out.reserve(64 + span.name.size());
  out.push_back('{');
  if (!Has(bt.span_attributes, "name")) {
    AppendPlainKey(out, "name");
    AppendJsonString(out, span.name);
  }
  if (!Has(bt.span_attributes, "type")) {
    AppendPlainKey(out, "type");
    AppendJsonString(out, conventions.type.empty() ? "task" : conventions.type);
  }
  for (const auto& [k, text] : bt.span_attributes) {
    AppendKey(out, k);
    out += text;
  }
  out.push_back('}');
  return out;
}

}  // namespace

Result<ExtraAttributes> ParseExtraAttributes(std::string_view name) {
  if (name == "all") return ExtraAttributes::kAll;
  if (name == "span") return ExtraAttributes::kSpan;
  if (name == "none") return ExtraAttributes::kNone;
  return InvalidArgumentError("extra attributes: must be all, span or none, not \"" +
                              std::string(name) + "\"");
}

Result<model::EventWrite> MapSpan(const DecodedRequest& r, const Span& span,
                                  const MappingOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(const bool has_parent, CheckIds(span));
  AttributeIndex attributes(r, span.attributes);
  ConventionFields conventions = ReadConventions(span, attributes);
  SLUICE_ASSIGN_OR_RETURN(BraintrustFields bt, ReadBraintrustAttributes(attributes));
  model::EventWrite w;
  w.fields.reserve(13);  // at most the fields below
  auto add = [&w](std::string_view name, std::string text) {
    if (!text.empty()) w.fields.emplace_back(std::string(name), std::move(text));
  };
  add("span_id", Hex(span.span_id, "\"", "\""));
  w.id.assign(w.fields.back().second, 1, 2 * span.span_id.size);  // the digits, unquoted
  add("root_span_id", Hex(span.trace_id, "\"", "\""));
  if (has_parent) add("span_parents", Hex(span.parent_span_id, "[\"", "\"]"));
  if (span.start_unix_nano > 0) {
    std::string created;
    created.reserve(32);
    created.push_back('"');  // the timestamp needs no escaping
    AppendRfc3339(created, static_cast<TimestampMicros>(span.start_unix_nano / 1000));
    created.push_back('"');
    add("created", std::move(created));
  }
  add("input", bt.input.empty() ? std::move(conventions.input) : std::move(bt.input));
  add("output", bt.output.empty() ? std::move(conventions.output) : std::move(bt.output));
  add("expected", std::move(bt.expected));
  add("error", ErrorJson(r, span));
  add("scores", std::move(bt.scores));
  add("metrics", MetricsJson(span, conventions, bt));
  add("metadata", MetadataJson(r, span, attributes, conventions, bt, options));
  add("tags", std::move(bt.tags));
  add("span_attributes", SpanAttributesJson(span, conventions, bt));
  return w;
}

}  // namespace sluice::api::otlp
