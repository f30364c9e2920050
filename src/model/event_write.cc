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
  const bool merging = existing != nullptr && w.is_merge;
  Json merged;
  if (merging) {
    merged = EventFieldsToJson(*existing);
    Json patch = Json::Object();
    for (const auto& [k, text] : w.fields) {
      SLUICE_ASSIGN_OR_RETURN(Json v, Json::Parse(text));
      patch.mutable_members().emplace_back(k, std::move(v));
    }
    std::vector<std::string> path;
    MergeAt(merged, patch, path, w.merge_paths);
  }
  // Text of a JSON-valued field ("" for absent or null). Without a merge the request's compact
  // text is used as it is: large inputs and outputs are copied once, never re-serialised.
  auto text = [&](const char* name) -> std::string {
    if (merging) return JsonText(merged.Find(name));
    const std::string* t = w.Find(name);
    return t == nullptr || *t == "null" ? std::string() : *t;
  };
  // Parsed value of a small scalar or list field (ids, created, tags).
  auto value = [&](const char* name) -> Json {
    if (merging) {
      const Json* v = merged.Find(name);
      return v ? *v : Json();
    }
    const std::string* t = w.Find(name);
    if (t == nullptr) return Json();
    auto v = Json::Parse(*t);
    return v.ok() ? std::move(v).value() : Json();
  };
  Event e;
  e.id = w.id;
  for (const JsonField& f : kJsonFields) e.*f.member = text(f.name);
  const Json tags = value("tags");
  const Json parents = value("span_parents");
  e.tags = Strings(&tags);
  e.span_parents = Strings(&parents);
  const Json span_id = value("span_id");
  e.span_id = span_id.is_string() ? span_id.string_value()
              : existing          ? existing->span_id
                                  : NewUuid();
  const Json root = value("root_span_id");
  if (root.is_string()) {
    e.root_span_id = root.string_value();
  } else if (existing) {
    e.root_span_id = existing->root_span_id;
  } else if (e.span_parents.empty()) {
    e.root_span_id = e.span_id;
  } else {
    return FieldError("event " + w.id, "root_span_id", "is required when span_parents is set");
  }
  e.is_root = e.span_parents.empty();
  const Json created = value("created");
  if (created.is_string()) {
    SLUICE_ASSIGN_OR_RETURN(e.created, ParseRfc3339(created.string_value()));
  } else {
    e.created = existing ? existing->created : now;
  }
  return e;
}

const std::string* EventWrite::Find(std::string_view name) const {
  for (const auto& [k, v] : fields) {
    if (k == name) return &v;
  }
  return nullptr;
}

}  // namespace sluice::model
