#include "model/event.h"

#include "common/json_writer.h"
#include "common/time_util.h"

namespace sluice::model {

void AppendEventJson(const Event& e, std::string& out) {
  JsonWriter w(&out);
  w.BeginObject();
  w.Member("id", e.id);
  w.Key("_xact_id").String(std::to_string(e.xact_id));
  w.Member("created", FormatRfc3339(e.created));
  w.Member("org_id", e.org_id);
  w.Member("project_id", e.project_id);
  switch (e.object.type) {
    case ObjectType::kProjectLogs: w.Member("log_id", "g"); break;
    case ObjectType::kExperiment: w.Member("experiment_id", e.object.id); break;
    case ObjectType::kDataset: w.Member("dataset_id", e.object.id); break;
  }
  w.Member("span_id", e.span_id);
  w.Member("root_span_id", e.root_span_id);
  w.Key("span_parents");
  if (e.span_parents.empty()) {
    w.Null();
  } else {
    w.BeginArray();
    for (const auto& p : e.span_parents) w.String(p);
    w.EndArray();
  }
  w.Member("is_root", e.is_root);
  for (const JsonField& f : kJsonFields) {
    const std::string& v = e.*f.member;
    w.Key(f.name);
    if (v.empty()) {
      w.Null();
    } else {
      w.Raw(v);
    }
  }
  w.Key("tags");
  if (e.tags.empty()) {
    w.Null();
  } else {
    w.BeginArray();
    for (const auto& t : e.tags) w.String(t);
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace sluice::model
