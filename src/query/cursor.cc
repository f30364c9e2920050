#include "query/cursor.h"

#include <cstdlib>
#include <cstring>

#include "common/json.h"
#include "common/json_writer.h"

namespace sluice::query {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64Url(std::string_view in) {
  std::string out;
  size_t i = 0;
  while (i + 2 < in.size()) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
    i += 3;
  }
  size_t rest = in.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (rest == 2) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    if (rest == 2) out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

Result<std::string> FromBase64Url(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const char* p = c == '\0' ? nullptr : std::strchr(kAlphabet, c);
    if (p == nullptr) return InvalidArgumentError("invalid cursor");
    acc = (acc << 6) | static_cast<uint32_t>(p - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

// Each key as [kind, value] so its type survives the round trip.
void AppendKey(JsonWriter& w, const Value& v) {
  w.BeginArray();
  w.Int(static_cast<int64_t>(v.kind));
  switch (v.kind) {
    case Value::Kind::kNull: break;
    case Value::Kind::kBool: w.Bool(v.b); break;
    case Value::Kind::kInt:
    case Value::Kind::kTimestamp:
    case Value::Kind::kInterval: w.Int(v.i); break;
    case Value::Kind::kDouble: w.Double(v.d); break;
    case Value::Kind::kString:
    case Value::Kind::kObject: w.String(v.s); break;
    case Value::Kind::kArray: w.Raw(v.ToJson()); break;
  }
  w.EndArray();
}

Result<Value> ReadKey(const Json& j) {
  if (!j.is_array() || j.array().empty() || !j.array()[0].is_number()) {
    return InvalidArgumentError("invalid cursor");
  }
  auto kind = static_cast<Value::Kind>(j.array()[0].int_value());
  const Json* v = j.array().size() > 1 ? &j.array()[1] : nullptr;
  if (kind == Value::Kind::kNull) return Value::Null();
  if (v == nullptr) return InvalidArgumentError("invalid cursor");
  switch (kind) {
    case Value::Kind::kBool: return Value::Bool(v->bool_value());
    case Value::Kind::kInt: return Value::Int(v->int_value());
    case Value::Kind::kTimestamp: return Value::Timestamp(v->int_value());
    case Value::Kind::kInterval: return Value::Interval(v->int_value());
    case Value::Kind::kDouble: return Value::Double(v->number_value());
    case Value::Kind::kString: return Value::String(v->string_value());
    case Value::Kind::kObject: return Value::Object(v->string_value());
    case Value::Kind::kArray: {
      std::vector<Value> items;
      for (const Json& item : v->array()) {
        if (item.is_string()) {
          items.push_back(Value::String(item.string_value()));
        } else if (item.is_number()) {
          items.push_back(Value::Double(item.number_value()));
        } else {
          items.push_back(Value::Object(item.ToString()));
        }
      }
      return Value::Array(std::move(items));
    }
    default: return InvalidArgumentError("invalid cursor");
  }
}

}  // namespace

uint64_t Fingerprint(std::string_view text) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : text) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

std::string EncodeCursor(const CursorKey& key) {
  std::string json;
  JsonWriter w(&json);
  w.BeginArray();
  w.Int(1);  // format version
  w.String(std::to_string(key.order_fingerprint));
  w.BeginArray();
  for (const Value& v : key.sort_keys) AppendKey(w, v);
  w.EndArray();
  w.Int(key.row_key);
  w.EndArray();
  return Base64Url(json);
}

Result<CursorKey> DecodeCursor(std::string_view token) {
  SLUICE_ASSIGN_OR_RETURN(std::string json, FromBase64Url(token));
  auto parsed = Json::Parse(json);
  if (!parsed.ok()) return InvalidArgumentError("invalid cursor");
  const Json& j = *parsed;
  if (!j.is_array() || j.array().size() != 4 || !j.array()[0].is_number() ||
      j.array()[0].int_value() != 1 || !j.array()[1].is_string() || !j.array()[2].is_array() ||
      !j.array()[3].is_number()) {
    return InvalidArgumentError("invalid cursor");
  }
  CursorKey key;
  key.order_fingerprint = std::strtoull(j.array()[1].string_value().c_str(), nullptr, 10);
  for (const Json& k : j.array()[2].array()) {
    SLUICE_ASSIGN_OR_RETURN(Value v, ReadKey(k));
    key.sort_keys.push_back(std::move(v));
  }
  key.row_key = j.array()[3].int_value();
  return key;
}

}  // namespace sluice::query
