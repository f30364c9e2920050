#include "format/row.h"

#include <utility>

#include "common/json_writer.h"
#include "common/time_util.h"

namespace sluice::format {

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kNull: return "null";
    case ValueType::kBool: return "bool";
    case ValueType::kInt64: return "int64";
    case ValueType::kDouble: return "double";
    case ValueType::kString: return "string";
    case ValueType::kTimestamp: return "timestamp";
    case ValueType::kJson: return "json";
    case ValueType::kStringList: return "list<string>";
  }
  return "unknown";
}

Value Value::Bool(bool v) {
  Value out;
  out.type = ValueType::kBool;
  out.b = v;
  return out;
}

Value Value::Int64(int64_t v) {
  Value out;
  out.type = ValueType::kInt64;
  out.i = v;
  return out;
}

Value Value::Double(double v) {
  Value out;
  out.type = ValueType::kDouble;
  out.d = v;
  return out;
}

Value Value::String(std::string v) {
  Value out;
  out.type = ValueType::kString;
  out.s = std::move(v);
  return out;
}

Value Value::Timestamp(int64_t micros) {
  Value out;
  out.type = ValueType::kTimestamp;
  out.i = micros;
  return out;
}

Value Value::Json(std::string json_text) {
  Value out;
  out.type = ValueType::kJson;
  out.s = std::move(json_text);
  return out;
}

Value Value::StringList(std::vector<std::string> v) {
  Value out;
  out.type = ValueType::kStringList;
  out.list = std::move(v);
  return out;
}

int Schema::Find(std::string_view name) const {
  for (size_t k = 0; k < columns.size(); ++k) {
    if (columns[k].name == name) return static_cast<int>(k);
  }
  return -1;
}

void AppendValueJson(const Value& v, std::string& out) {
  switch (v.type) {
    case ValueType::kNull: out += "null"; return;
    case ValueType::kBool: out += v.b ? "true" : "false"; return;
    case ValueType::kInt64: out += std::to_string(v.i); return;
    case ValueType::kDouble: AppendJsonDouble(out, v.d); return;
    case ValueType::kString: AppendJsonString(out, v.s); return;
    case ValueType::kTimestamp: AppendJsonString(out, FormatRfc3339(v.i)); return;
    case ValueType::kJson: out += v.s; return;
    case ValueType::kStringList:
      out += '[';
      for (size_t k = 0; k < v.list.size(); ++k) {
        if (k > 0) out += ',';
        AppendJsonString(out, v.list[k]);
      }
      out += ']';
      return;
  }
}

bool CoerceValue(const Value& v, ValueType type, Value* out) {
  if (v.type == ValueType::kNull) {
    *out = Value::Null();
    return true;
  }
  if (v.type == type) {
    *out = v;
    return true;
  }
  if (type == ValueType::kDouble && v.type == ValueType::kInt64) {
    *out = Value::Double(static_cast<double>(v.i));
    return true;
  }
  if (type == ValueType::kJson) {
    std::string text;
    AppendValueJson(v, text);
    *out = Value::Json(std::move(text));
    return true;
  }
  return false;
}

}  // namespace sluice::format
