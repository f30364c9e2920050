// Value: the runtime value of a query expression (DESIGN.md §4). JSON scalars, timestamps and
// intervals are typed; arrays hold elements; objects are kept as compact JSON text. Comparison
// follows SQL: anything compared with null is unknown.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace sluice::query {

// A copyable value type. Thread-compatible.
struct Value {
  enum class Kind : uint8_t {
    kNull,
    kBool,
    kInt,        // i
    kDouble,     // d
    kString,     // s
    kTimestamp,  // i: microseconds since the epoch
    kInterval,   // i: microseconds
    kArray,      // arr
    kObject,     // s: compact JSON text of the object
  };

  Kind kind = Kind::kNull;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string s;
  std::shared_ptr<const std::vector<Value>> arr;

  static Value Null() { return Value(); }
  static Value Bool(bool v);
  static Value Int(int64_t v);
  static Value Double(double v);
  static Value String(std::string v);
  static Value Timestamp(TimestampMicros v);
  static Value Interval(int64_t micros);
  static Value Array(std::vector<Value> elements);
  static Value Object(std::string json);

  bool is_null() const { return kind == Kind::kNull; }
  bool is_number() const { return kind == Kind::kInt || kind == Kind::kDouble; }
  // Any number as a double (0 for non-numbers).
  double AsDouble() const { return kind == Kind::kInt ? static_cast<double>(i) : d; }

  // Appends the value as JSON: timestamps as RFC 3339 strings, intervals as seconds.
  void AppendJson(std::string& out) const;
  std::string ToJson() const;
};

// One column of an output row: its key and its value. `name` points into the query (or at a
// field name with static storage) and lives as long as the query.
struct NamedValue {
  std::string_view name;
  Value value;
};

// SQL comparison: <0, 0, >0, or nullopt when unknown (a null operand, or types that have no
// order between them). Numbers compare across int/double; timestamps with timestamps.
std::optional<int> CompareSql(const Value& a, const Value& b);

// SQL equality: nullopt when either side is null; false for values of different types.
std::optional<bool> EqualSql(const Value& a, const Value& b);

// A total order for sorting and cursors: kinds ranked, then values; null sorts after every
// other value.
int CompareTotal(const Value& a, const Value& b);

// Truthiness for filters: only a true boolean passes (nulls and non-booleans do not).
inline bool IsTrue(const Value& v) { return v.kind == Value::Kind::kBool && v.b; }

}  // namespace sluice::query
