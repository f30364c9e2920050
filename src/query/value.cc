#include "query/value.h"

#include <cmath>

#include "common/json_writer.h"
#include "common/time_util.h"

namespace sluice::query {

Value Value::Bool(bool v) {
  Value x;
  x.kind = Kind::kBool;
  x.b = v;
  return x;
}
Value Value::Int(int64_t v) {
  Value x;
  x.kind = Kind::kInt;
  x.i = v;
  return x;
}
Value Value::Double(double v) {
  Value x;
  x.kind = Kind::kDouble;
  x.d = v;
  return x;
}
Value Value::String(std::string v) {
  Value x;
  x.kind = Kind::kString;
  x.s = std::move(v);
  return x;
}
Value Value::Timestamp(TimestampMicros v) {
  Value x;
  x.kind = Kind::kTimestamp;
  x.i = v;
  return x;
}
Value Value::Interval(int64_t micros) {
  Value x;
  x.kind = Kind::kInterval;
  x.i = micros;
  return x;
}
Value Value::Array(std::vector<Value> elements) {
  Value x;
  x.kind = Kind::kArray;
  x.arr = std::make_shared<const std::vector<Value>>(std::move(elements));
  return x;
}
Value Value::Object(std::string json) {
  Value x;
  x.kind = Kind::kObject;
  x.s = std::move(json);
  return x;
}

void Value::AppendJson(std::string& out) const {
  switch (kind) {
    case Kind::kNull: out += "null"; break;
    case Kind::kBool: out += b ? "true" : "false"; break;
    case Kind::kInt: out += std::to_string(i); break;
    case Kind::kDouble: AppendJsonDouble(out, d); break;
    case Kind::kString: AppendJsonString(out, s); break;
    case Kind::kTimestamp: AppendJsonString(out, FormatRfc3339(i)); break;
    case Kind::kInterval: AppendJsonDouble(out, static_cast<double>(i) / 1e6); break;
    case Kind::kObject: out += s; break;
    case Kind::kArray: {
      out += '[';
      for (size_t k = 0; k < arr->size(); ++k) {
        if (k > 0) out += ',';
        (*arr)[k].AppendJson(out);
      }
      out += ']';
      break;
    }
  }
}

std::string Value::ToJson() const {
  std::string out;
  AppendJson(out);
  return out;
}

namespace {

int Sign(double x) { return x < 0 ? -1 : (x > 0 ? 1 : 0); }

int CompareNumbers(const Value& a, const Value& b) {
  if (a.kind == Value::Kind::kInt && b.kind == Value::Kind::kInt) {
    return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  }
  double x = a.AsDouble();
  double y = b.AsDouble();
  if (std::isnan(x) || std::isnan(y)) return std::isnan(x) - std::isnan(y);
  return Sign(x - y);
}

int CompareStrings(const std::string& a, const std::string& b) {
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int CompareArrays(const Value& a, const Value& b) {
  size_t n = std::min(a.arr->size(), b.arr->size());
  for (size_t k = 0; k < n; ++k) {
    int c = CompareTotal((*a.arr)[k], (*b.arr)[k]);
    if (c != 0) return c;
  }
  return a.arr->size() < b.arr->size() ? -1 : (a.arr->size() > b.arr->size() ? 1 : 0);
}

// Rank of a kind in the total order; numbers share one rank.
int Rank(Value::Kind k) {
  switch (k) {
    case Value::Kind::kBool: return 0;
    case Value::Kind::kInt:
    case Value::Kind::kDouble: return 1;
    case Value::Kind::kString: return 2;
    case Value::Kind::kTimestamp: return 3;
    case Value::Kind::kInterval: return 4;
    case Value::Kind::kArray: return 5;
    case Value::Kind::kObject: return 6;
    case Value::Kind::kNull: return 7;
  }
  return 7;
}

// Compares values of the same rank.
int CompareSameRank(const Value& a, const Value& b) {
  switch (a.kind) {
    case Value::Kind::kNull: return 0;
    case Value::Kind::kBool: return static_cast<int>(a.b) - static_cast<int>(b.b);
    case Value::Kind::kInt:
    case Value::Kind::kDouble: return CompareNumbers(a, b);
    case Value::Kind::kString:
    case Value::Kind::kObject: return CompareStrings(a.s, b.s);
    case Value::Kind::kTimestamp:
    case Value::Kind::kInterval: return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
    case Value::Kind::kArray: return CompareArrays(a, b);
  }
  return 0;
}

}  // namespace

std::optional<int> CompareSql(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return std::nullopt;
  if (Rank(a.kind) != Rank(b.kind)) return std::nullopt;
  return CompareSameRank(a, b);
}

std::optional<bool> EqualSql(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return std::nullopt;
  if (Rank(a.kind) != Rank(b.kind)) return false;
  return CompareSameRank(a, b) == 0;
}

int CompareTotal(const Value& a, const Value& b) {
  int ra = Rank(a.kind);
  int rb = Rank(b.kind);
  if (ra != rb) return ra < rb ? -1 : 1;
  return CompareSameRank(a, b);
}

}  // namespace sluice::query
