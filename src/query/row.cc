#include "query/row.h"

#include <simdjson.h>

#include <array>

namespace sluice::query {

namespace dom = simdjson::dom;

struct RowView::Parsed {
  static constexpr int kFields = 10;
  std::array<dom::parser, kFields> parsers;
  std::array<dom::element, kFields> roots;
  uint32_t parsed_mask = 0;  // bit k: roots[k] is valid for the current row
  uint32_t failed_mask = 0;  // bit k: field k is absent or unparsable
};

RowView::RowView() : parsed_(std::make_unique<Parsed>()) {}
RowView::~RowView() = default;

void RowView::Reset(const model::Event& event, const TraceStats* stats) {
  event_ = &event;
  stats_ = stats;
  parsed_->parsed_mask = 0;
  parsed_->failed_mask = 0;
}

namespace {

Value StringArray(const std::vector<std::string>& v) {
  if (v.empty()) return Value::Null();
  std::vector<Value> out;
  out.reserve(v.size());
  for (const std::string& s : v) out.push_back(Value::String(s));
  return Value::Array(std::move(out));
}

Value FromElement(dom::element el, int depth) {
  switch (el.type()) {
    case dom::element_type::NULL_VALUE: return Value::Null();
    case dom::element_type::BOOL: return Value::Bool(el.get_bool().value_unsafe());
    case dom::element_type::INT64: return Value::Int(el.get_int64().value_unsafe());
    case dom::element_type::UINT64:
      return Value::Double(static_cast<double>(el.get_uint64().value_unsafe()));
    case dom::element_type::DOUBLE: return Value::Double(el.get_double().value_unsafe());
    case dom::element_type::STRING:
      return Value::String(std::string(el.get_string().value_unsafe()));
    case dom::element_type::ARRAY: {
      if (depth > 64) return Value::Object(simdjson::minify(el));
      std::vector<Value> items;
      dom::array arr;
      if (el.get_array().get(arr) != simdjson::SUCCESS) return Value::Null();
      for (dom::element item : arr) {
        items.push_back(FromElement(item, depth + 1));
      }
      return Value::Array(std::move(items));
    }
    case dom::element_type::OBJECT: return Value::Object(simdjson::minify(el));
  }
  return Value::Null();
}

}  // namespace

Value ValueFromJson(std::string_view json) {
  if (json.empty()) return Value::Null();
  dom::parser parser;
  dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) return Value::Null();
  return FromElement(root, 0);
}

Value RowView::JsonMember(int index, const Expr& field) {
  Parsed& p = *parsed_;
  uint32_t bit = 1u << index;
  if (p.failed_mask & bit) return Value::Null();
  if (!(p.parsed_mask & bit)) {
    const std::string& text = event_->*model::kJsonFields[index].member;
    if (text.empty() ||
        p.parsers[index].parse(text.data(), text.size()).get(p.roots[index]) != simdjson::SUCCESS) {
      p.failed_mask |= bit;
      return Value::Null();
    }
    p.parsed_mask |= bit;
  }
  dom::element el = p.roots[index];
  for (size_t k = 1; k < field.path.size(); ++k) {
    dom::object obj;
    if (el.get_object().get(obj) != simdjson::SUCCESS) return Value::Null();
    if (obj.at_key(field.path[k]).get(el) != simdjson::SUCCESS) return Value::Null();
  }
  return FromElement(el, 0);
}

Value RowView::Field(const Expr& field) {
  const model::Event& e = *event_;
  switch (field.field) {
    case FieldId::kId: return Value::String(e.id);
    case FieldId::kSpanId: return Value::String(e.span_id);
    case FieldId::kRootSpanId: return Value::String(e.root_span_id);
    case FieldId::kSpanParents: return StringArray(e.span_parents);
    case FieldId::kIsRoot: return Value::Bool(e.is_root);
    case FieldId::kCreated: return Value::Timestamp(e.created);
    case FieldId::kXactId: return Value::Int(static_cast<int64_t>(e.xact_id));
    case FieldId::kOrgId: return Value::String(e.org_id);
    case FieldId::kProjectId: return Value::String(e.project_id);
    case FieldId::kTags: return StringArray(e.tags);
    case FieldId::kSpanCount: return stats_ ? Value::Int(stats_->span_count) : Value::Null();
    case FieldId::kErrorCount: return stats_ ? Value::Int(stats_->error_count) : Value::Null();
    case FieldId::kLlmCalls: return stats_ ? Value::Int(stats_->llm_calls) : Value::Null();
    case FieldId::kUnknown: return Value::Null();
    default: break;
  }
  int index = JsonFieldIndex(field.field);
  return index >= 0 ? JsonMember(index, field) : Value::Null();
}

void AppendRowValues(const model::Event& e, const TraceStats* stats, std::vector<NamedValue>& out) {
  out.push_back({"id", Value::String(e.id)});
  out.push_back({"_xact_id", Value::String(std::to_string(e.xact_id))});
  out.push_back({"created", Value::Timestamp(e.created)});
  out.push_back({"org_id", Value::String(e.org_id)});
  out.push_back({"project_id", Value::String(e.project_id)});
  switch (e.object.type) {
    case model::ObjectType::kProjectLogs: out.push_back({"log_id", Value::String("g")}); break;
    case model::ObjectType::kExperiment:
      out.push_back({"experiment_id", Value::String(e.object.id)});
      break;
    case model::ObjectType::kDataset:
      out.push_back({"dataset_id", Value::String(e.object.id)});
      break;
  }
  out.push_back({"span_id", Value::String(e.span_id)});
  out.push_back({"root_span_id", Value::String(e.root_span_id)});
  out.push_back({"span_parents", StringArray(e.span_parents)});
  out.push_back({"is_root", Value::Bool(e.is_root)});
  for (const model::JsonField& f : model::kJsonFields) {
    out.push_back({f.name, ValueFromJson(e.*f.member)});
  }
  out.push_back({"tags", StringArray(e.tags)});
  if (stats == nullptr) return;
  out.push_back({"span_count", Value::Int(stats->span_count)});
  out.push_back({"error_count", Value::Int(stats->error_count)});
  out.push_back({"llm_calls", Value::Int(stats->llm_calls)});
}

}  // namespace sluice::query
