#include "query/file_value.h"

#include <charconv>

#include "common/json.h"
#include "common/json_writer.h"
#include "common/time_util.h"

namespace sluice::query {
namespace {

using FV = format::Value;

// A number as its JSON text reads back: a double written without fraction or exponent (the
// shortest form of a whole number below 1e15) is an integer there; a non-finite one is null.
FV NumberValue(double d) {
  std::string text;
  AppendJsonDouble(text, d);
  if (text == "null") return FV::Null();
  if (text.find_first_of(".eE") == std::string::npos) {
    int64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc() && end == text.data() + text.size()) return FV::Int64(n);
  }
  return FV::Double(d);
}

// True when an array's JSON text is already canonical: it holds no objects (their text comes
// from the query engine's reader) and no doubles (whose text may read back as integers).
bool PlainArray(const Value& v) {
  for (const Value& e : *v.arr) {
    switch (e.kind) {
      case Value::Kind::kArray:
        if (!PlainArray(e)) return false;
        break;
      case Value::Kind::kDouble:
      case Value::Kind::kInterval:
      case Value::Kind::kObject: return false;
      default: break;
    }
  }
  return true;
}

}  // namespace

Result<format::Value> FileValue(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNull: return FV::Null();
    case Value::Kind::kBool: return FV::Bool(v.b);
    case Value::Kind::kInt: return FV::Int64(v.i);
    case Value::Kind::kDouble: return NumberValue(v.d);
    case Value::Kind::kInterval: return NumberValue(static_cast<double>(v.i) / 1e6);
    case Value::Kind::kString: return FV::String(v.s);
    case Value::Kind::kTimestamp: return FV::String(FormatRfc3339(v.i));
    case Value::Kind::kObject: {
      SLUICE_ASSIGN_OR_RETURN(std::string text, CanonicalizeJson(v.s));
      return FV::Json(std::move(text));
    }
    case Value::Kind::kArray: {
      std::string text = v.ToJson();
      if (PlainArray(v)) return FV::Json(std::move(text));
      SLUICE_ASSIGN_OR_RETURN(std::string canonical, CanonicalizeJson(text));
      return FV::Json(std::move(canonical));
    }
  }
  return FV::Null();
}

}  // namespace sluice::query
