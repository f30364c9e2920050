#include "api/otlp/braintrust_attributes.h"

#include <string_view>

#include "api/otlp/value_json.h"
#include "common/json.h"

namespace sluice::api::otlp {

namespace {

constexpr std::string_view kSpanTypes[] = {"llm",          "score",      "function",   "eval",
                                           "task",         "tool",       "automation", "facet",
                                           "preprocessor", "classifier", "review"};

Status Invalid(std::string_view where, std::string_view why) {
  return InvalidArgumentError(std::string(where) + ": " + std::string(why));
}

// The attribute `key` as a parsed JSON value (a JSON string is parsed), or null when absent.
Result<Json> Parsed(AttributeIndex& a, std::string_view key) {
  auto v = a.Take(key);
  if (!v) return Json();
  auto parsed = Json::Parse(JsonCarriedBy(a.request(), *v));
  if (!parsed.ok()) return Invalid(key, parsed.status().message());
  return parsed;
}

// An object attribute's members as (key, JSON text); `check` validates each member's value.
template <typename Check>
Result<std::vector<std::pair<std::string, std::string>>> Members(AttributeIndex& a,
                                                                 std::string_view key,
                                                                 Check check) {
  std::vector<std::pair<std::string, std::string>> out;
  SLUICE_ASSIGN_OR_RETURN(Json object, Parsed(a, key));
  if (object.is_null()) return out;
  if (!object.is_object()) {
    return Invalid(key, "must be a JSON object (a JSON string or an OTLP map), not " +
                            std::string(object.TypeName()));
  }
  for (const auto& [k, v] : object.members()) {
    SLUICE_RETURN_IF_ERROR(check(std::string(key) + "." + k, k, v));
    out.emplace_back(k, v.ToString());
  }
  return out;
}

Status AnyValue(const std::string&, const std::string&, const Json&) { return Status(); }

Status Metric(const std::string& where, const std::string&, const Json& v) {
  if (v.is_null() || v.is_number()) return Status();
  return Invalid(where, "must be a number or null");
}

Status Score(const std::string& where, const std::string&, const Json& v) {
  if (v.is_null() || (v.is_number() && v.number_value() >= 0 && v.number_value() <= 1)) {
    return Status();
  }
  return Invalid(where, "must be a number between 0 and 1, or null");
}

Status SpanAttribute(const std::string& where, const std::string& key, const Json& v) {
  if (key == "name" && !v.is_null() && !v.is_string()) return Invalid(where, "must be a string");
  if (key != "type" || v.is_null()) return Status();
  for (std::string_view t : kSpanTypes) {
    if (v.is_string() && v.string_value() == t) return Status();
  }
  return Invalid(where,
                 "must be one of llm, score, function, eval, task, tool, automation, facet, "
                 "preprocessor, classifier, review");
}

Result<std::string> Tags(AttributeIndex& a) {
  SLUICE_ASSIGN_OR_RETURN(Json tags, Parsed(a, "braintrust.tags"));
  if (tags.is_null()) return std::string();
  bool strings = tags.is_array();
  for (const Json& t : tags.array()) strings = strings && t.is_string();
  if (!strings) {
    return Invalid("braintrust.tags", "must be an array of strings (OTLP or a JSON string)");
  }
  return tags.ToString();
}

std::string ObjectText(const std::vector<std::pair<std::string, std::string>>& members) {
  if (members.empty()) return std::string();
  JsonObjectBuilder object;
  for (const auto& [k, v] : members) object.Set(k, v);
  return object.Finish();
}

// input_json wins over input (the same for output): the plain form keeps a string a string.
std::string Content(AttributeIndex& a, std::string_view json_key, std::string_view plain_key) {
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
  SLUICE_ASSIGN_OR_RETURN(auto scores, Members(a, "braintrust.scores", Score));
  out.scores = ObjectText(scores);
  SLUICE_ASSIGN_OR_RETURN(out.span_attributes,
                          Members(a, "braintrust.span_attributes", SpanAttribute));
  SLUICE_ASSIGN_OR_RETURN(out.tags, Tags(a));
  return out;
}

}  // namespace sluice::api::otlp
