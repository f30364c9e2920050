#include "api/json_views.h"

#include "common/time_util.h"

namespace sluice::api {

namespace {

void StringOrNull(JsonWriter& w, const char* key, const std::string& v) {
  w.Key(key);
  if (v.empty()) {
    w.Null();
  } else {
    w.String(v);
  }
}

void RawOrNull(JsonWriter& w, const char* key, const std::string& json) {
  w.Key(key);
  if (json.empty()) {
    w.Null();
  } else {
    w.Raw(json);
  }
}

void Tags(JsonWriter& w, const std::vector<std::string>& tags) {
  w.Key("tags");
  if (tags.empty()) {
    w.Null();
    return;
  }
  w.BeginArray();
  for (const auto& t : tags) w.String(t);
  w.EndArray();
}

}  // namespace

void WriteProject(JsonWriter& w, const model::Project& p) {
  w.BeginObject();
  w.Member("id", p.id).Member("org_id", p.org_id).Member("name", p.name);
  StringOrNull(w, "description", p.description);
  w.Member("created", FormatRfc3339(p.created));
  w.Key("deleted_at").Null().Key("user_id").Null().Key("settings").Null();
  w.EndObject();
}

void WriteExperiment(JsonWriter& w, const model::Experiment& e) {
  w.BeginObject();
  w.Member("id", e.id).Member("project_id", e.project_id).Member("name", e.name);
  StringOrNull(w, "description", e.description);
  w.Member("created", FormatRfc3339(e.created));
  StringOrNull(w, "dataset_id", e.dataset_id);
  StringOrNull(w, "base_exp_id", e.base_exp_id);
  RawOrNull(w, "repo_info", e.repo_info);
  w.Member("public", e.is_public);
  RawOrNull(w, "metadata", e.metadata);
  Tags(w, e.tags);
  w.Key("deleted_at").Null().Key("user_id").Null();
  w.EndObject();
}

void WriteDataset(JsonWriter& w, const model::Dataset& d) {
  w.BeginObject();
  w.Member("id", d.id).Member("project_id", d.project_id).Member("name", d.name);
  StringOrNull(w, "description", d.description);
  w.Member("created", FormatRfc3339(d.created));
  RawOrNull(w, "metadata", d.metadata);
  Tags(w, d.tags);
  w.Member("url_slug", d.name);
  w.Key("deleted_at").Null().Key("user_id").Null();
  w.EndObject();
}

}  // namespace sluice::api
