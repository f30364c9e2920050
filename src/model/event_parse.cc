// Parsing and validation of insert requests (`{"events":[...]}`), straight from simdjson's
// document: every field is checked where it lies and copied once as compact JSON text, with no
// intermediate tree. This is the ingest hot path.
#include <algorithm>

#include "common/kept_buffer.h"
#include "common/kept_json_parser.h"
#include "common/time_util.h"
#include "common/uuid.h"
#include "model/event_parse_internal.h"
#include "model/event_write.h"

namespace sluice::model {

namespace event_parse {

Status FieldError(std::string_view where, std::string_view field, std::string_view why) {
  return InvalidArgumentError(std::string(where) + "." + std::string(field) + ": " +
                              std::string(why));
}

namespace {

std::string_view TypeName(element_type t) {
  switch (t) {
    case element_type::ARRAY: return "array";
    case element_type::OBJECT: return "object";
    case element_type::STRING: return "string";
    case element_type::BOOL: return "boolean";
    case element_type::NULL_VALUE: return "null";
    default: return "number";
  }
}

Status ObjectOrNull(element v, std::string_view where, std::string_view field) {
  if (v.is_null() || v.is_object()) return Status();
  return FieldError(where, field, "must be an object, not " + std::string(TypeName(v.type())));
}

Status StringArray(element v, std::string_view where, std::string_view field) {
  if (v.is_null()) return Status();
  if (!v.is_array()) return FieldError(where, field, "must be an array of strings");
  size_t i = 0;
  for (element s : ArrayIn(v)) {
    if (!s.is_string()) {
      return FieldError(where, std::string(field) + "[" + std::to_string(i) + "]",
                        "must be a string");
    }
    ++i;
  }
  return Status();
}

Status Scores(element v, std::string_view where) {
  SLUICE_RETURN_IF_ERROR(ObjectOrNull(v, where, "scores"));
  if (v.is_null()) return Status();
  for (auto f : ObjectIn(v)) {
    if (f.value.is_null()) continue;
    const double d = IsNumber(f.value.type()) ? f.value.get_double().value_unsafe() : -1;
    if (!IsNumber(f.value.type()) || d < 0 || d > 1) {
      return FieldError(where, "scores." + std::string(f.key),
                        "must be a number between 0 and 1, or null");
    }
  }
  return Status();
}

Status Metrics(element v, std::string_view where) {
  SLUICE_RETURN_IF_ERROR(ObjectOrNull(v, where, "metrics"));
  if (v.is_null()) return Status();
  for (auto f : ObjectIn(v)) {
    if (!f.value.is_null() && !IsNumber(f.value.type())) {
      return FieldError(where, "metrics." + std::string(f.key), "must be a number or null");
    }
  }
  return Status();
}

Status SpanAttributes(element v, std::string_view where) {
  SLUICE_RETURN_IF_ERROR(ObjectOrNull(v, where, "span_attributes"));
  if (v.is_null()) return Status();
  element name, type;
  if (v["name"].get(name) == simdjson::SUCCESS && !name.is_null() && !name.is_string()) {
    return FieldError(where, "span_attributes.name", "must be a string");
  }
  if (v["type"].get(type) == simdjson::SUCCESS && !type.is_null()) {
    static constexpr std::string_view kTypes[] = {
        "llm",        "score", "function",     "eval",       "task",  "tool",
        "automation", "facet", "preprocessor", "classifier", "review"};
    bool known = false;
    if (type.is_string()) {
      for (auto t : kTypes) known = known || type.get_string().value_unsafe() == t;
    }
    if (!known) {
      return FieldError(where, "span_attributes.type",
                        "must be one of llm, score, function, eval, task, tool, automation, "
                        "facet, preprocessor, classifier, review");
    }
  }
  return Status();
}

Status Field(std::string_view key, element v, std::string_view where) {
  if (key == "input" || key == "output" || key == "expected" || key == "error") return Status();
  if (key == "metadata" || key == "context" || key == "origin") return ObjectOrNull(v, where, key);
  if (key == "scores") return Scores(v, where);
  if (key == "metrics") return Metrics(v, where);
  if (key == "span_attributes") return SpanAttributes(v, where);
  if (key == "tags" || key == "span_parents") return StringArray(v, where, key);
  if (key == "span_id" || key == "root_span_id") {
    if (!v.is_string() || v.get_string().value_unsafe().empty()) {
      return FieldError(where, key, "must be a non-empty string");
    }
    return Status();
  }
  if (key == "created") {
    if (v.is_null()) return Status();
    if (!v.is_string()) return FieldError(where, key, "must be an RFC 3339 timestamp string");
    auto t = ParseRfc3339(v.get_string().value_unsafe());
    if (!t.ok()) return FieldError(where, key, t.status().message());
    return Status();
  }
  return FieldError(where, key, "is not a field of an event");
}

Status MergePaths(element v, std::string_view where, EventWrite* w) {
  if (!v.is_array()) return FieldError(where, "_merge_paths", "must be an array of paths");
  size_t i = 0;
  for (element p : ArrayIn(v)) {
    const std::string f = "_merge_paths[" + std::to_string(i++) + "]";
    if (!p.is_array() || ArrayIn(p).size() == 0) {
      return FieldError(where, f, "must be a non-empty array of field names");
    }
    std::vector<std::string> path;
    for (element part : ArrayIn(p)) {
      if (!part.is_string()) return FieldError(where, f, "must hold only strings");
      path.emplace_back(part.get_string().value_unsafe());
    }
    w->merge_paths.push_back(std::move(path));
  }
  return Status();
}

Status Flag(element v, std::string_view where, std::string_view key, bool* out) {
  if (!v.is_bool()) return FieldError(where, key, "must be a boolean");
  *out = v.get_bool().value_unsafe();
  return Status();
}

Status StringKey(element v, std::string_view where, std::string_view key, std::string* out) {
  if (!v.is_string() || v.get_string().value_unsafe().empty()) {
    return FieldError(where, key, "must be a non-empty string");
  }
  *out = std::string(v.get_string().value_unsafe());
  return Status();
}

// Columns an export (or a pull from another tool) derives from the stored row: dropped when
// such a row is imported, since the store derives them again.
bool IsDerivedColumn(std::string_view k) {
  static constexpr std::string_view kDerived[] = {
      "org_id",        "is_root",        "span_count",      "error_count",       "llm_calls",
      "prompt_tokens", "tokens",         "start",           "completion_tokens", "end",
      "duration",      "estimated_cost", "_pagination_key", "audit_data",        "comments"};
  for (std::string_view d : kDerived) {
    if (k == d) return true;
  }
  return false;
}

// Takes `k` into `x` when it is one of the /logs3 keys; *taken says whether it was.
Status TakeLogs3Key(std::string_view k, element v, std::string_view where, RowExtras* x,
                    bool* taken) {
  *taken = true;
  if (k == "project_id") return StringKey(v, where, k, &x->project_id);
  if (k == "log_id") return StringKey(v, where, k, &x->log_id);
  if (k == "experiment_id") return StringKey(v, where, k, &x->experiment_id);
  if (k == "dataset_id") return StringKey(v, where, k, &x->dataset_id);
  if (k == "_parent_id") return StringKey(v, where, k, &x->parent_id);
  if (k == "comment") {
    x->comment = true;
    return Status();
  }
  // Kept by Braintrust in its audit log and the client's own view of the transaction: accepted,
  // not stored.
  if (k == "_audit_source" || k == "_audit_metadata" || k == "_xact_id") return Status();
  if (x->exported && IsDerivedColumn(k)) return Status();
  if (k == "prompt_session_id" || k == "function_data") {
    return FieldError(where, k, "playground sessions and functions are not stored by sluice");
  }
  if (k == "_array_delete") return FieldError(where, k, "is not supported; send the whole array");
  *taken = false;
  return Status();
}

}  // namespace

Result<EventWrite> ParseEvent(element event, std::string_view where, RowExtras* extras) {
  if (!event.is_object()) {
    return InvalidArgumentError(std::string(where) + ": an event must be a JSON object");
  }
  EventWrite w;
  const simdjson::dom::object fields = ObjectIn(event);
  w.fields.reserve(std::min<size_t>(fields.size(), 24));  // an event has fewer fields than that
  // Each field's compact text is written here first, then copied out at its size: written
  // straight into its own string, a 1 KB input grew it seven times.
  thread_local std::string text;
  for (auto field : fields) {
    const std::string_view k = field.key;
    if (extras != nullptr && extras->exported && field.value.is_null()) continue;
    if (k == "id") {
      if (!field.value.is_string() || field.value.get_string().value_unsafe().empty()) {
        return FieldError(where, "id", "must be a non-empty string");
      }
      w.id = std::string(field.value.get_string().value_unsafe());
    } else if (k == "_is_merge") {
      SLUICE_RETURN_IF_ERROR(Flag(field.value, where, k, &w.is_merge));
    } else if (k == "_object_delete") {
      SLUICE_RETURN_IF_ERROR(Flag(field.value, where, k, &w.object_delete));
    } else if (k == "_merge_paths") {
      SLUICE_RETURN_IF_ERROR(MergePaths(field.value, where, &w));
    } else {
      bool taken = false;
      if (extras != nullptr) {
        SLUICE_RETURN_IF_ERROR(TakeLogs3Key(k, field.value, where, extras, &taken));
      }
      if (taken) continue;
      SLUICE_RETURN_IF_ERROR(Field(k, field.value, where));
      if (w.Find(k) != nullptr) continue;  // a repeated key: simdjson keeps both; first wins
      text.clear();
      SLUICE_RETURN_IF_ERROR(AppendCompactJson(field.value, text));
      w.fields.emplace_back(std::string(k), text);
      GiveBackIfLarge(text);
    }
  }
  if (!w.merge_paths.empty() && !w.is_merge) {
    return FieldError(where, "_merge_paths", "only applies with \"_is_merge\": true");
  }
  if (w.object_delete && w.id.empty()) {
    return FieldError(where, "id", "is required with \"_object_delete\": true");
  }
  if (w.id.empty()) w.id = NewUuid();
  return w;
}

Result<element> ParseDocument(std::string_view text) {
  thread_local KeptJsonParser parser;
  return parser.ParseOrError(text);
}

Result<element> ParseRoot(std::string_view text) {
  SLUICE_ASSIGN_OR_RETURN(element root, ParseDocument(text));
  if (!root.is_object()) return InvalidArgumentError("the request body must be a JSON object");
  return root;
}

}  // namespace event_parse

using event_parse::element;
using event_parse::ParseEvent;
using event_parse::ParseRoot;

Result<std::vector<EventWrite>> ParseInsertRequest(std::string_view body) {
  SLUICE_ASSIGN_OR_RETURN(element root, ParseRoot(body));
  element events;
  bool found = false;
  for (auto field : ObjectIn(root)) {
    if (field.key != "events") {
      return InvalidArgumentError(std::string(field.key) + ": is not a field of an insert request");
    }
    events = field.value;
    found = true;
  }
  if (!found) return InvalidArgumentError("events: required");
  if (!events.is_array()) return InvalidArgumentError("events: must be an array");
  simdjson::dom::array list = ArrayIn(events);
  if (list.size() > kMaxEventsPerInsert) {
    return InvalidArgumentError("events: at most 100000 events per request");
  }
  std::vector<EventWrite> out;
  out.reserve(list.size());
  size_t i = 0;
  for (element e : list) {
    SLUICE_ASSIGN_OR_RETURN(EventWrite w,
                            ParseEvent(e, "events[" + std::to_string(i++) + "]", nullptr));
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace sluice::model
