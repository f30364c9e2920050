#include "model/event_write.h"

#include <cmath>

#include "common/time_util.h"
#include "common/uuid.h"

namespace sluice::model {

namespace {

Status FieldError(std::string_view where, std::string_view field, std::string_view why) {
  return InvalidArgumentError(std::string(where) + "." + std::string(field) + ": " +
                              std::string(why));
}

Status ValidateStringArray(const Json& v, std::string_view where, std::string_view field) {
  if (v.is_null()) return Status();
  if (!v.is_array()) return FieldError(where, field, "must be an array of strings");
  for (size_t i = 0; i < v.array().size(); ++i) {
    if (!v.array()[i].is_string()) {
      return FieldError(where, std::string(field) + "[" + std::to_string(i) + "]",
                        "must be a string");
    }
  }
  return Status();
}

Status ValidateObjectOrNull(const Json& v, std::string_view where, std::string_view field) {
  if (v.is_null() || v.is_object()) return Status();
  return FieldError(where, field, std::string("must be an object, not ") +
                                      std::string(v.TypeName()));
}

Status ValidateScores(const Json& v, std::string_view where) {
  SLUICE_RETURN_IF_ERROR(ValidateObjectOrNull(v, where, "scores"));
  for (const auto& [k, s] : v.members()) {
    if (s.is_null()) continue;
    if (!s.is_number() || s.number_value() < 0 || s.number_value() > 1) {
      return FieldError(where, "scores." + k, "must be a number between 0 and 1, or null");
    }
  }
  return Status();
}

Status ValidateMetrics(const Json& v, std::string_view where) {
  SLUICE_RETURN_IF_ERROR(ValidateObjectOrNull(v, where, "metrics"));
  for (const auto& [k, m] : v.members()) {
    if (!m.is_null() && !m.is_number()) {
      return FieldError(where, "metrics." + k, "must be a number or null");
    }
  }
  return Status();
}

Status ValidateSpanAttributes(const Json& v, std::string_view where) {
  SLUICE_RETURN_IF_ERROR(ValidateObjectOrNull(v, where, "span_attributes"));
  if (const Json* name = v.Find("name"); name && !name->is_null() && !name->is_string()) {
    return FieldError(where, "span_attributes.name", "must be a string");
  }
  if (const Json* type = v.Find("type"); type && !type->is_null()) {
    static constexpr std::string_view kTypes[] = {
        "llm",  "score",  "function",   "eval",         "task",       "tool",
        "automation", "facet", "preprocessor", "classifier", "review"};
    bool known = false;
    if (type->is_string()) {
      for (auto t : kTypes) known = known || type->string_value() == t;
    }
    if (!known) {
      return FieldError(where, "span_attributes.type",
                        "must be one of llm, score, function, eval, task, tool, automation, "
                        "facet, preprocessor, classifier, review");
    }
  }
  return Status();
}

Status ValidateField(std::string_view key, const Json& v, std::string_view where) {
  if (key == "input" || key == "output" || key == "expected" || key == "error") return Status();
  if (key == "metadata" || key == "context" || key == "origin") {
    return ValidateObjectOrNull(v, where, key);
  }
  if (key == "scores") return ValidateScores(v, where);
  if (key == "metrics") return ValidateMetrics(v, where);
  if (key == "span_attributes") return ValidateSpanAttributes(v, where);
  if (key == "tags" || key == "span_parents") return ValidateStringArray(v, where, key);
  if (key == "span_id" || key == "root_span_id") {
    if (!v.is_string() || v.string_value().empty()) {
      return FieldError(where, key, "must be a non-empty string");
    }
    return Status();
  }
  if (key == "created") {
    if (v.is_null()) return Status();
    if (!v.is_string()) return FieldError(where, key, "must be an RFC 3339 timestamp string");
    auto t = ParseRfc3339(v.string_value());
    if (!t.ok()) return FieldError(where, key, t.status().message());
    return Status();
  }
  return FieldError(where, key, "is not a field of an event");
}

Status ParseMergePaths(const Json& v, std::string_view where, EventWrite* w) {
  if (!v.is_array()) return FieldError(where, "_merge_paths", "must be an array of paths");
  for (size_t i = 0; i < v.array().size(); ++i) {
    const Json& p = v.array()[i];
    const std::string f = "_merge_paths[" + std::to_string(i) + "]";
    if (!p.is_array() || p.array().empty()) {
      return FieldError(where, f, "must be a non-empty array of field names");
    }
    std::vector<std::string> path;
    for (const Json& part : p.array()) {
      if (!part.is_string()) return FieldError(where, f, "must hold only strings");
      path.push_back(part.string_value());
    }
    w->merge_paths.push_back(std::move(path));
  }
  return Status();
}

bool PathListed(const std::vector<std::vector<std::string>>& paths,
                const std::vector<std::string>& path) {
  for (const auto& p : paths) {
    if (p == path) return true;
  }
  return false;
}

// Deep merge with replacement at listed paths.
void MergeAt(Json& into, const Json& patch, std::vector<std::string>& path,
             const std::vector<std::vector<std::string>>& replace) {
  if (!into.is_object() || !patch.is_object() || PathListed(replace, path)) {
    into = patch;
    return;
  }
  for (const auto& [k, v] : patch.members()) {
    path.push_back(k);
    Json* mine = into.FindMutable(k);
    if (mine == nullptr) {
      into.Set(k, v);
    } else {
      MergeAt(*mine, v, path, replace);
    }
    path.pop_back();
  }
}

std::string JsonText(const Json* v) {
  if (v == nullptr || v->is_null()) return std::string();
  return v->ToString();
}

std::vector<std::string> Strings(const Json* v) {
  std::vector<std::string> out;
  if (v == nullptr || !v->is_array()) return out;
  for (const Json& s : v->array()) out.push_back(s.string_value());
  return out;
}

Result<Json> ParseStored(const std::string& text) {
  if (text.empty()) return Json();
  return Json::Parse(text);
}

}  // namespace

Result<EventWrite> ParseEventWrite(const Json& event, std::string_view where) {
  if (!event.is_object()) {
    return InvalidArgumentError(std::string(where) + ": an event must be a JSON object");
  }
  EventWrite w;
  for (const auto& [k, v] : event.members()) {
    if (k == "id") {
      if (!v.is_string() || v.string_value().empty()) {
        return FieldError(where, "id", "must be a non-empty string");
      }
      w.id = v.string_value();
    } else if (k == "_is_merge") {
      if (!v.is_bool()) return FieldError(where, k, "must be a boolean");
      w.is_merge = v.bool_value();
    } else if (k == "_object_delete") {
      if (!v.is_bool()) return FieldError(where, k, "must be a boolean");
      w.object_delete = v.bool_value();
    } else if (k == "_merge_paths") {
      SLUICE_RETURN_IF_ERROR(ParseMergePaths(v, where, &w));
    } else {
      SLUICE_RETURN_IF_ERROR(ValidateField(k, v, where));
      w.fields.Set(k, v);
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

Result<std::vector<EventWrite>> ParseInsertRequest(std::string_view body) {
  SLUICE_ASSIGN_OR_RETURN(Json req, Json::Parse(body));
  if (!req.is_object()) return InvalidArgumentError("the request body must be a JSON object");
  const Json* events = req.Find("events");
  if (events == nullptr) return InvalidArgumentError("events: required");
  if (!events->is_array()) return InvalidArgumentError("events: must be an array");
  if (events->array().size() > kMaxEventsPerInsert) {
    return InvalidArgumentError("events: at most 100000 events per request");
  }
  for (const auto& [k, v] : req.members()) {
    if (k != "events") return InvalidArgumentError(k + ": is not a field of an insert request");
  }
  std::vector<EventWrite> out;
  out.reserve(events->array().size());
  for (size_t i = 0; i < events->array().size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(EventWrite w,
                            ParseEventWrite(events->array()[i], "events[" + std::to_string(i) + "]"));
    out.push_back(std::move(w));
  }
  return out;
}

Json EventFieldsToJson(const Event& e) {
  Json out = Json::Object();
  for (const JsonField& f : kJsonFields) {
    auto parsed = ParseStored(e.*f.member);
    if (parsed.ok() && !parsed->is_null()) out.Set(f.name, std::move(parsed).value());
  }
  auto strings = [](const std::vector<std::string>& v) {
    Json a = Json::Array();
    for (const auto& s : v) a.Push(Json::String(s));
    return a;
  };
  if (!e.tags.empty()) out.Set("tags", strings(e.tags));
  if (!e.span_parents.empty()) out.Set("span_parents", strings(e.span_parents));
  out.Set("span_id", Json::String(e.span_id));
  out.Set("root_span_id", Json::String(e.root_span_id));
  out.Set("created", Json::String(FormatRfc3339(e.created)));
  return out;
}

Result<Event> ApplyEventWrite(const EventWrite& w, const Event* existing, TimestampMicros now) {
  Json fields;
  if (existing != nullptr && w.is_merge) {
    fields = EventFieldsToJson(*existing);
    std::vector<std::string> path;
    MergeAt(fields, w.fields, path, w.merge_paths);
  } else {
    fields = w.fields;
  }
  Event e;
  e.id = w.id;
  for (const JsonField& f : kJsonFields) e.*f.member = JsonText(fields.Find(f.name));
  e.tags = Strings(fields.Find("tags"));
  e.span_parents = Strings(fields.Find("span_parents"));
  const Json* span_id = fields.Find("span_id");
  e.span_id = span_id && span_id->is_string() ? span_id->string_value()
              : existing                      ? existing->span_id
                                              : NewUuid();
  const Json* root = fields.Find("root_span_id");
  if (root && root->is_string()) {
    e.root_span_id = root->string_value();
  } else if (existing) {
    e.root_span_id = existing->root_span_id;
  } else if (e.span_parents.empty()) {
    e.root_span_id = e.span_id;
  } else {
    return FieldError("event " + w.id, "root_span_id", "is required when span_parents is set");
  }
  e.is_root = e.span_parents.empty();
  const Json* created = fields.Find("created");
  if (created && created->is_string()) {
    SLUICE_ASSIGN_OR_RETURN(e.created, ParseRfc3339(created->string_value()));
  } else {
    e.created = existing ? existing->created : now;
  }
  return e;
}

}  // namespace sluice::model
