#include "api/otlp/braintrust_attributes.h"

#include <string_view>

#include "api/otlp/value_json.h"
#include "common/kept_buffer.h"

namespace sluice::api::otlp {

namespace {

constexpr std::string_view kSpanTypes[] = {"llm",          "score",      "function",   "eval",
                                           "task",         "tool",       "automation", "facet",
                                           "preprocessor", "classifier", "review"};

Status Invalid(std::string_view where, std::string_view why) {
  return InvalidArgumentError(std::string(where) + ": " + std::string(why));
}

// The attribute `key` as canonical JSON text (a JSON string carrying JSON is read as that JSON),
// "" when absent, with its top level read into `children`.
Result<JsonKind> Carried(AttributeIndex& a, AttributeKey key, std::string* text,
                         std::vector<JsonChild>* children, bool child_values = true) {
  children->clear();
  auto v = a.Take(key);
  if (!v) return JsonKind::kNull;
  auto kind = ReadCarriedJson(a.request(), *v, text, children, child_values);
  if (!kind.ok()) return Invalid(key.name(), kind.status().message());
  return kind;
}

// An object attribute's members as (key, JSON text); `check` validates each member's value and
// says what is wrong with it ("" when nothing).
// `whole`, when given, gets the object's text if it has members (left as it is otherwise)
// instead: the members are checked but not returned, and their texts are not read (`check` sees
// their kind and number only).
template <typename Check>
Result<std::vector<std::pair<std::string, std::string>>> Members(AttributeIndex& a,
                                                                 AttributeKey key, Check check,
                                                                 std::string* whole = nullptr) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string text;
  thread_local std::vector<JsonChild> children;  // kept between spans, unless grown large
  GiveBackIfLarge(children);
  SLUICE_ASSIGN_OR_RETURN(const JsonKind kind,
                          Carried(a, key, &text, &children, /*child_values=*/whole == nullptr));
  if (kind == JsonKind::kNull) return out;
  if (kind != JsonKind::kObject) {
    return Invalid(key.name(), "must be a JSON object (a JSON string or an OTLP map), not " +
                                   std::string(JsonKindName(kind)));
  }
  if (whole == nullptr) out.reserve(children.size());
  for (JsonChild& c : children) {
    if (const std::string_view why = check(c); !why.empty()) {
      return Invalid(std::string(key.name()) + "." + c.key, why);
    }
    if (whole == nullptr) out.emplace_back(std::move(c.key), std::move(c.text));
  }
  // The carried text is canonical: its members are unique and in order, so it is the object.
  if (whole != nullptr && !children.empty()) *whole = std::move(text);
  return out;
}

std::string_view AnyValue(const JsonChild&) { return {}; }

std::string_view Metric(const JsonChild& v) {
  if (v.kind == JsonKind::kNull || v.kind == JsonKind::kNumber) return {};
  return "must be a number or null";
}

std::string_view Score(const JsonChild& v) {
  if (v.kind == JsonKind::kNull ||
      (v.kind == JsonKind::kNumber && v.number >= 0 && v.number <= 1)) {
    return {};
  }
  return "must be a number between 0 and 1, or null";
}

std::string_view SpanAttribute(const JsonChild& v) {
  if (v.key == "name" && v.kind != JsonKind::kNull && v.kind != JsonKind::kString) {
    return "must be a string";
  }
  if (v.key != "type" || v.kind == JsonKind::kNull) return {};
  for (std::string_view t : kSpanTypes) {
    if (v.kind == JsonKind::kString && v.string == t) return {};
  }
  return "must be one of llm, score, function, eval, task, tool, automation, facet, "
         "preprocessor, classifier, review";
}

Result<std::string> Tags(AttributeIndex& a) {
  std::string text;
  thread_local std::vector<JsonChild> children;  // kept between spans, unless grown large
  GiveBackIfLarge(children);
  SLUICE_ASSIGN_OR_RETURN(const JsonKind kind, Carried(a, "braintrust.tags", &text, &children,
                                                       /*child_values=*/false));
  if (kind == JsonKind::kNull) return std::string();
  bool strings = kind == JsonKind::kArray;
  for (const JsonChild& t : children) strings = strings && t.kind == JsonKind::kString;
  if (!strings) {
    return Invalid("braintrust.tags", "must be an array of strings (OTLP or a JSON string)");
  }
  return text;
}

// input_json wins over input (the same for output): the plain form keeps a string a string.
std::string Content(AttributeIndex& a, AttributeKey json_key, AttributeKey plain_key) {
  if (auto v = a.Take(json_key)) return JsonCarriedBy(a.request(), *v);
  if (auto v = a.Take(plain_key)) return ValueJson(a.request(), *v);
  return std::string();
}

}  // namespace

Result<BraintrustFields> ReadBraintrustAttributes(AttributeIndex& a) {
  BraintrustFields out;
  out.input = Content(a, "braintrust.input_json", "braintrust.input");
  out.output = Content(a, "braintrust.output_json", "braintrust.output");
  if (auto v = a.Take("braintrust.expected")) out.expected = JsonCarriedBy(a.request(), *v);
  SLUICE_ASSIGN_OR_RETURN(out.metadata, Members(a, "braintrust.metadata", AnyValue));
  SLUICE_ASSIGN_OR_RETURN(out.metrics, Members(a, "braintrust.metrics", Metric));
  SLUICE_RETURN_IF_ERROR(Members(a, "braintrust.scores", Score, &out.scores).status());
  SLUICE_ASSIGN_OR_RETURN(out.span_attributes,
                          Members(a, "braintrust.span_attributes", SpanAttribute));
  SLUICE_ASSIGN_OR_RETURN(out.tags, Tags(a));
  return out;
}

}  // namespace sluice::api::otlp
