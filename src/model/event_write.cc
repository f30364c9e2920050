#include "model/event_write.h"

#include <cmath>
#include <optional>

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

// The string of a JSON string text. Texts here are compact and valid, so one without a
// backslash is read as it is; others (escapes, or not a string) are parsed.
std::optional<std::string> StringOf(const std::string& text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"' &&
      text.find('\\') == std::string::npos) {
    return text.substr(1, text.size() - 2);
  }
  auto v = Json::Parse(text);
  if (!v.ok() || !v->is_string()) return std::nullopt;
  return v->string_value();
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

namespace {

// `existing`'s fields with merge write `w`'s merged in (its merge_paths replaced whole).
Result<Json> MergedFields(const EventWrite& w, const Event& existing) {
  Json merged = EventFieldsToJson(existing);
  Json patch = Json::Object();
  for (const auto& [k, text] : w.fields) {
    SLUICE_ASSIGN_OR_RETURN(Json v, Json::Parse(text));
    patch.mutable_members().emplace_back(k, std::move(v));
  }
  std::vector<std::string> path;
  MergeAt(merged, patch, path, w.merge_paths);
  return merged;
}

Result<Event> Apply(const EventWrite& w, const Event* existing, TimestampMicros now,
                    bool copy_texts) {
  const bool merging = existing != nullptr && w.is_merge;
  Json merged;
  if (merging) {
    SLUICE_ASSIGN_OR_RETURN(merged, MergedFields(w, *existing));
  }
  // A small scalar or list field (ids, created, tags): from the merged tree, or read off the
  // request's text.
  auto string_of = [&](const char* name) -> std::optional<std::string> {
    if (merging) {
      const Json* v = merged.Find(name);
      if (v == nullptr || !v->is_string()) return std::nullopt;
      return v->string_value();
    }
    const std::string* t = w.Find(name);
    return t == nullptr ? std::nullopt : StringOf(*t);
  };
  auto strings_of = [&](const char* name) -> std::vector<std::string> {
    if (merging) return Strings(merged.Find(name));
    const std::string* t = w.Find(name);
    return t == nullptr ? std::vector<std::string>() : JsonToStrings(*t);
  };
  Event e;
  e.id = w.id;
  if (merging) {
    for (const JsonField& f : kJsonFields) e.*f.member = JsonText(merged.Find(f.name));
  } else if (copy_texts) {
    // Without a merge the request's compact text is used as it is: large inputs and outputs
    // are copied once, never re-serialised.
    const WrittenTextsArray texts = WrittenTexts(w);
    for (size_t k = 0; k < texts.size(); ++k) e.*kJsonFields[k].member = std::string(texts[k]);
  }
  e.tags = strings_of("tags");
  e.span_parents = strings_of("span_parents");
  std::optional<std::string> span_id = string_of("span_id");
  e.span_id = span_id ? std::move(*span_id) : existing ? existing->span_id : NewUuid();
  std::optional<std::string> root = string_of("root_span_id");
  if (root) {
    e.root_span_id = std::move(*root);
  } else if (existing) {
    e.root_span_id = existing->root_span_id;
  } else if (e.span_parents.empty()) {
    e.root_span_id = e.span_id;
  } else {
    return FieldError("event " + w.id, "root_span_id", "is required when span_parents is set");
  }
  e.is_root = e.span_parents.empty();
  if (const std::optional<std::string> created = string_of("created")) {
    SLUICE_ASSIGN_OR_RETURN(e.created, ParseRfc3339(*created));
  } else {
    e.created = existing ? existing->created : now;
  }
  return e;
}

}  // namespace

Result<Event> ApplyEventWrite(const EventWrite& w, const Event* existing, TimestampMicros now) {
  return Apply(w, existing, now, /*copy_texts=*/true);
}

Result<Event> ApplyEventWriteLeavingTexts(const EventWrite& w, TimestampMicros now) {
  return Apply(w, nullptr, now, /*copy_texts=*/false);
}

WrittenTextsArray WrittenTexts(const EventWrite& w) {
  WrittenTextsArray out{};
  std::array<bool, std::size(kJsonFields)> seen{};
  for (const auto& [k, v] : w.fields) {
    for (size_t j = 0; j < std::size(kJsonFields); ++j) {
      if (seen[j] || k != kJsonFields[j].name) continue;
      // The first of a name counts, as in Find.
      seen[j] = true;
      if (v != "null") out[j] = v;
      break;
    }
  }
  return out;
}

const std::string* EventWrite::Find(std::string_view name) const {
  for (const auto& [k, v] : fields) {
    if (k == name) return &v;
  }
  return nullptr;
}

}  // namespace sluice::model
