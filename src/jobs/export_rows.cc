#include "jobs/export_rows.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "common/json.h"
#include "common/time_util.h"
#include "format/schemas.h"

namespace sluice::jobs {
namespace {

using format::Value;

Value JsonOrNull(const std::string& text) {
  return text.empty() ? Value::Null() : Value::Json(text);
}

Value StringOrNull(const std::string& s) { return s.empty() ? Value::Null() : Value::String(s); }

// A metric of the trace summary as int64, or null.
Value IntMetric(const Json& metrics, std::string_view name) {
  const Json* v = metrics.is_object() ? metrics.Find(name) : nullptr;
  if (v == nullptr || !v->is_number()) return Value::Null();
  return Value::Int64(static_cast<int64_t>(std::llround(v->number_value())));
}

Value DoubleMetric(const Json& metrics, std::string_view name) {
  const Json* v = metrics.is_object() ? metrics.Find(name) : nullptr;
  if (v == nullptr || !v->is_number()) return Value::Null();
  return Value::Double(v->number_value());
}

// metrics.start/end are seconds since the epoch.
Value TimeMetric(const Json& metrics, std::string_view name) {
  const Json* v = metrics.is_object() ? metrics.Find(name) : nullptr;
  if (v == nullptr || !v->is_number()) return Value::Null();
  return Value::Timestamp(static_cast<int64_t>(std::llround(v->number_value() * 1e6)));
}

// One JSON value of a query row as a typed value.
Value ToValue(const Json& v) {
  switch (v.type()) {
    case Json::Type::kNull: return Value::Null();
    case Json::Type::kBool: return Value::Bool(v.bool_value());
    case Json::Type::kInt: return Value::Int64(v.int_value());
    case Json::Type::kUint:
      if (v.uint_value() <= static_cast<uint64_t>(INT64_MAX)) {
        return Value::Int64(static_cast<int64_t>(v.uint_value()));
      }
      return Value::Double(static_cast<double>(v.uint_value()));
    case Json::Type::kDouble: return Value::Double(v.number_value());
    case Json::Type::kString: return Value::String(v.string_value());
    default: return Value::Json(v.ToString());
  }
}

// Filters a stream down to the window (rows after `from`, _xact_id <= max).
class WindowedStream final : public model::EventStream {
 public:
  WindowedStream(std::unique_ptr<model::EventStream> inner, model::XactCursor from)
      : inner_(std::move(inner)), from_(from) {}
  Result<bool> Next(model::Event* row) override {
    while (true) {
      SLUICE_ASSIGN_OR_RETURN(bool more, inner_->Next(row));
      if (!more) return false;
      if (model::XactCursor{row->xact_id, row->row_key} > from_) return true;
    }
  }

 private:
  std::unique_ptr<model::EventStream> inner_;
  const model::XactCursor from_;
};

}  // namespace

format::Row TraceToRow(const query::TraceRow& trace) {
  const model::Event& e = trace.root;
  auto parsed = Json::Parse(e.metrics.empty() ? "null" : e.metrics);
  const Json metrics = parsed.ok() ? std::move(*parsed) : Json();
  format::Row row;
  row.reserve(format::TraceSchema().columns.size());
  row.push_back(Value::String(e.id));
  row.push_back(StringOrNull(e.span_id));
  row.push_back(StringOrNull(e.root_span_id));
  row.push_back(Value::Timestamp(e.created));
  row.push_back(JsonOrNull(e.input));
  row.push_back(JsonOrNull(e.output));
  row.push_back(JsonOrNull(e.expected));
  row.push_back(JsonOrNull(e.error));
  row.push_back(JsonOrNull(e.metadata));
  row.push_back(e.tags.empty() ? Value::Null() : Value::StringList(e.tags));
  row.push_back(JsonOrNull(e.span_attributes));
  row.push_back(JsonOrNull(e.scores));
  row.push_back(JsonOrNull(e.metrics));
  row.push_back(Value::Int64(trace.stats.span_count));
  row.push_back(Value::Int64(trace.stats.error_count));
  row.push_back(Value::Int64(trace.stats.llm_calls));
  row.push_back(IntMetric(metrics, "prompt_tokens"));
  row.push_back(IntMetric(metrics, "completion_tokens"));
  row.push_back(IntMetric(metrics, "tokens"));
  row.push_back(DoubleMetric(metrics, "estimated_cost"));
  row.push_back(TimeMetric(metrics, "start"));
  row.push_back(TimeMetric(metrics, "end"));
  row.push_back(DoubleMetric(metrics, "duration"));
  row.push_back(Value::Int64(static_cast<int64_t>(e.xact_id)));
  return row;
}

Status QueryRowCollector::OnRow(std::string_view json) {
  SLUICE_ASSIGN_OR_RETURN(Json parsed, Json::Parse(json));
  if (!parsed.is_object()) return InternalError("query produced a row that is not an object");
  auto& out = rows_.emplace_back();
  out.reserve(parsed.members().size());
  for (const Json::Member& m : parsed.members()) {
    auto it = std::find(names_.begin(), names_.end(), m.first);
    int column = static_cast<int>(it - names_.begin());
    if (it == names_.end()) names_.push_back(m.first);
    out.emplace_back(column, ToValue(m.second));
  }
  return Status();
}

// The query output carries `_xact_id` as a decimal string and `created` as RFC 3339 text (as
// the API does); in files they get the types the spans and traces files give them, INT64 and
// TIMESTAMP, when every value converts.
void QueryRowCollector::TypeKnownColumns(std::vector<format::Row>& rows) const {
  for (size_t c = 0; c < names_.size(); ++c) {
    const bool xact = names_[c] == "_xact_id";
    if (!xact && names_[c] != "created") continue;
    std::vector<Value> typed;
    typed.reserve(rows.size());
    for (const format::Row& row : rows) {
      const Value& v = row[c];
      if (v.is_null()) {
        typed.push_back(Value::Null());
        continue;
      }
      if (v.type != format::ValueType::kString) break;
      if (xact) {
        char* end = nullptr;
        const long long n = std::strtoll(v.s.c_str(), &end, 10);
        if (v.s.empty() || *end != '\0') break;
        typed.push_back(Value::Int64(n));
      } else {
        auto t = ParseRfc3339(v.s);
        if (!t.ok()) break;
        typed.push_back(Value::Timestamp(*t));
      }
    }
    if (typed.size() != rows.size()) continue;  // some value did not convert: keep the text
    for (size_t r = 0; r < rows.size(); ++r) rows[r][c] = std::move(typed[r]);
  }
}

std::pair<format::Schema, std::vector<format::Row>> QueryRowCollector::Take() {
  std::vector<format::Row> rows;
  rows.reserve(rows_.size());
  for (auto& sparse : rows_) {
    format::Row& row = rows.emplace_back(names_.size());
    for (auto& [column, value] : sparse) row[column] = std::move(value);
  }
  rows_.clear();
  TypeKnownColumns(rows);
  format::Schema schema = format::InferSchema(names_, rows);
  return {std::move(schema), std::move(rows)};
}

Result<std::unique_ptr<model::EventStream>> WindowedSource::Scan(
    const model::ScanRequest& request) {
  model::ScanRequest narrowed = request;
  narrowed.max_xact_id =
      request.max_xact_id ? std::min(*request.max_xact_id, max_xact_id_) : max_xact_id_;
  if (request.order == model::ScanOrder::kXactAscending) {
    narrowed.after = request.after ? std::max(*request.after, from_) : from_;
  } else {
    narrowed.limit = 0;  // rows before the window are dropped below, after the store's limit
  }
  SLUICE_ASSIGN_OR_RETURN(auto inner, inner_.Scan(narrowed));
  return std::unique_ptr<model::EventStream>(new WindowedStream(std::move(inner), from_));
}

}  // namespace sluice::jobs
