// Rows and schemas the file writers accept: a Row is one value per Schema column, in column
// order. Covers the spans shape (model::Event), the traces shape and custom query results.
// The value types map onto JSON Lines and Parquet as described in docs/formats.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::format {

enum class ValueType {
  kNull,  // only as a value: the column's value is absent
  kBool,
  kInt64,
  kDouble,
  kString,      // UTF-8 text
  kTimestamp,   // microseconds since the Unix epoch, UTC
  kJson,        // canonical JSON text (object, array or scalar)
  kStringList,  // list of UTF-8 strings
};

// "null", "bool", "int64", "double", "string", "timestamp", "json", "list<string>".
std::string_view ValueTypeName(ValueType type);

// One cell. A plain value type; thread-compatible. Only the member that matches `type` is
// meaningful: b (kBool), i (kInt64, kTimestamp), d (kDouble), s (kString, kJson), list.
struct Value {
  ValueType type = ValueType::kNull;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string s;
  std::vector<std::string> list;

  bool is_null() const { return type == ValueType::kNull; }

  static Value Null() { return Value(); }
  static Value Bool(bool v);
  static Value Int64(int64_t v);
  static Value Double(double v);
  static Value String(std::string v);
  static Value Timestamp(int64_t micros);
  static Value Json(std::string json_text);
  static Value StringList(std::vector<std::string> v);
};

using Row = std::vector<Value>;

struct Column {
  std::string name;
  ValueType type = ValueType::kString;  // never kNull
  bool nullable = true;                 // false: a null value is an error when written

  bool operator==(const Column&) const = default;
};

struct Schema {
  std::vector<Column> columns;

  // Index of the column named `name`, or -1.
  int Find(std::string_view name) const;

  bool operator==(const Schema&) const = default;
};

// Appends `v` as JSON: null, true/false, numbers (an int64 as an integer; a non-finite double
// as null), strings quoted, timestamps as RFC 3339 strings, JSON text as it is, lists as
// arrays of strings.
void AppendValueJson(const Value& v, std::string& out);

// Converts `v` to a value of column type `type` for writing: nulls stay null, equal types are
// returned as they are, int64 widens to double, and anything becomes kJson (its JSON text) for
// a kJson column. kInvalidArgument-worthy mismatches return false.
bool CoerceValue(const Value& v, ValueType type, Value* out);

}  // namespace sluice::format
