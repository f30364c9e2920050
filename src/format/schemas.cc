#include "format/schemas.h"

#include <utility>

namespace sluice::format {
namespace {

Column Col(const char* name, ValueType type, bool nullable = true) {
  return Column{name, type, nullable};
}

Schema MakeSpanSchema() {
  Schema s;
  s.columns = {
      Col("id", ValueType::kString, false),         Col(kXactIdColumn, ValueType::kInt64, false),
      Col("created", ValueType::kTimestamp, false), Col("org_id", ValueType::kString),
      Col("project_id", ValueType::kString),        Col("log_id", ValueType::kString),
      Col("experiment_id", ValueType::kString),     Col("dataset_id", ValueType::kString),
      Col("span_id", ValueType::kString),           Col("root_span_id", ValueType::kString),
      Col("span_parents", ValueType::kStringList),  Col("is_root", ValueType::kBool, false),
  };
  for (const model::JsonField& f : model::kJsonFields) {
    s.columns.push_back(Col(f.name, ValueType::kJson));
  }
  s.columns.push_back(Col("tags", ValueType::kStringList));
  return s;
}

Schema MakeTraceSchema() {
  Schema s;
  s.columns = {
      Col("id", ValueType::kString, false),     Col("span_id", ValueType::kString),
      Col("root_span_id", ValueType::kString),  Col("created", ValueType::kTimestamp),
      Col("input", ValueType::kJson),           Col("output", ValueType::kJson),
      Col("expected", ValueType::kJson),        Col("error", ValueType::kJson),
      Col("metadata", ValueType::kJson),        Col("tags", ValueType::kStringList),
      Col("span_attributes", ValueType::kJson), Col("scores", ValueType::kJson),
      Col("metrics", ValueType::kJson),         Col("span_count", ValueType::kInt64),
      Col("error_count", ValueType::kInt64),    Col("llm_calls", ValueType::kInt64),
      Col("prompt_tokens", ValueType::kInt64),  Col("completion_tokens", ValueType::kInt64),
      Col("tokens", ValueType::kInt64),         Col("estimated_cost", ValueType::kDouble),
      Col("start", ValueType::kTimestamp),      Col("end", ValueType::kTimestamp),
      Col("duration", ValueType::kDouble),      Col(kXactIdColumn, ValueType::kInt64, false),
  };
  return s;
}

// Sets `v` to a string value, or null when empty, reusing its storage.
void SetString(Value& v, ValueType type, const std::string& s) {
  if (s.empty()) {
    v.type = ValueType::kNull;
    return;
  }
  v.type = type;
  v.s.assign(s);
}

void SetList(Value& v, const std::vector<std::string>& list) {
  if (list.empty()) {
    v.type = ValueType::kNull;
    return;
  }
  v.type = ValueType::kStringList;
  v.list.assign(list.begin(), list.end());
}

}  // namespace

const Schema& SpanSchema() {
  static const Schema* schema = new Schema(MakeSpanSchema());
  return *schema;
}

const Schema& TraceSchema() {
  static const Schema* schema = new Schema(MakeTraceSchema());
  return *schema;
}

void EventToRow(const model::Event& e, Row& row) {
  row.resize(SpanSchema().columns.size());
  SetString(row[0], ValueType::kString, e.id);
  row[1] = Value::Int64(static_cast<int64_t>(e.xact_id));
  row[2] = Value::Timestamp(e.created);
  SetString(row[3], ValueType::kString, e.org_id);
  SetString(row[4], ValueType::kString, e.project_id);
  for (int k = 5; k <= 7; ++k) row[k].type = ValueType::kNull;
  switch (e.object.type) {
    case model::ObjectType::kProjectLogs: row[5] = Value::String("g"); break;
    case model::ObjectType::kExperiment: SetString(row[6], ValueType::kString, e.object.id); break;
    case model::ObjectType::kDataset: SetString(row[7], ValueType::kString, e.object.id); break;
  }
  SetString(row[8], ValueType::kString, e.span_id);
  SetString(row[9], ValueType::kString, e.root_span_id);
  SetList(row[10], e.span_parents);
  row[11] = Value::Bool(e.is_root);
  size_t k = 12;
  for (const model::JsonField& f : model::kJsonFields) {
    SetString(row[k++], ValueType::kJson, e.*f.member);
  }
  SetList(row[k], e.tags);
}

Row EventToRow(const model::Event& event) {
  Row row;
  EventToRow(event, row);
  return row;
}

ValueType MergeColumnType(ValueType type, ValueType t) {
  if (t == ValueType::kNull || t == type) return type;
  if (type == ValueType::kNull) return t;
  if ((type == ValueType::kInt64 && t == ValueType::kDouble) ||
      (type == ValueType::kDouble && t == ValueType::kInt64)) {
    return ValueType::kDouble;
  }
  return ValueType::kJson;
}

Schema InferSchema(const std::vector<std::string>& names, std::span<const Row> rows) {
  Schema schema;
  for (size_t k = 0; k < names.size(); ++k) {
    ValueType type = ValueType::kNull;
    for (const Row& row : rows) {
      type = MergeColumnType(type, row[k].type);
      if (type == ValueType::kJson) break;
    }
    if (type == ValueType::kNull) type = ValueType::kString;
    schema.columns.push_back(Column{names[k], type, true});
  }
  return schema;
}

}  // namespace sluice::format
