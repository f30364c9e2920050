#include "api/otlp/value_json.h"

#include <simdjson.h>

#include <charconv>

#include "common/json_writer.h"
#include "common/kept_json_parser.h"
#include "common/simdjson_compact.h"

namespace sluice::api::otlp {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Objects this large look their keys up in a hash map instead of a scan.
constexpr size_t kIndexedMembers = 16;

// Parses `text` with the thread's kept parser. The document lives until the thread's next Parse.
Result<element> Parse(std::string_view text) {
  thread_local KeptJsonParser parser;
  return parser.ParseOrError(text);
}

}  // namespace

Result<std::string> CanonicalJson(std::string_view text) {
  // Instrumentations mostly send JSON as JSON.stringify writes it, which is canonical already.
  if (IsCanonicalAsWritten(text)) return std::string(text);
  SLUICE_ASSIGN_OR_RETURN(const element root, Parse(text));
  std::string out;
  out.reserve(text.size());
  bool duplicate = false;
  SLUICE_RETURN_IF_ERROR(AppendCompactJson(root, out, 1, &duplicate));
  if (duplicate) return CanonicalizeJson(text);
  return out;
}

std::string_view JsonKindName(JsonKind kind) {
  switch (kind) {
    case JsonKind::kNull: return "null";
    case JsonKind::kBool: return "boolean";
    case JsonKind::kNumber: return "number";
    case JsonKind::kString: return "string";
    case JsonKind::kArray: return "array";
    case JsonKind::kObject: return "object";
  }
  return "null";
}

namespace {

JsonKind KindOf(element el) {
  switch (el.type()) {
    case element_type::NULL_VALUE: return JsonKind::kNull;
    case element_type::BOOL: return JsonKind::kBool;
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: return JsonKind::kNumber;
    case element_type::STRING: return JsonKind::kString;
    case element_type::ARRAY: return JsonKind::kArray;
    case element_type::OBJECT: return JsonKind::kObject;
  }
  return JsonKind::kNull;
}

Status ReadChild(element el, std::string_view key, bool values, std::vector<JsonChild>* children) {
  JsonChild& c = children->emplace_back();
  c.key = key;
  c.kind = KindOf(el);
  switch (el.type()) {
    case element_type::INT64: c.number = static_cast<double>(el.get_int64().value_unsafe()); break;
    case element_type::UINT64:
      c.number = static_cast<double>(el.get_uint64().value_unsafe());
      break;
    case element_type::DOUBLE: c.number = el.get_double().value_unsafe(); break;
    case element_type::STRING:
      if (values) c.string = el.get_string().value_unsafe();
      break;
    default: break;
  }
  if (!values) return Status();
  return AppendCompactJson(el, c.text, 2);  // a canonical text's nested keys are unique
}

// The kind of a parsed document's top level, and an object's members or an array's elements.
Result<JsonKind> ReadChildren(element root, bool values, std::vector<JsonChild>* children) {
  children->clear();
  if (root.type() == element_type::ARRAY) {
    for (element child : ArrayIn(root)) {
      SLUICE_RETURN_IF_ERROR(ReadChild(child, "", values, children));
    }
  } else if (root.type() == element_type::OBJECT) {
    for (auto field : ObjectIn(root)) {
      SLUICE_RETURN_IF_ERROR(ReadChild(field.value, field.key, values, children));
    }
  }
  return KindOf(root);
}

}  // namespace

Result<JsonKind> ReadCarriedJson(const DecodedRequest& r, uint32_t index, std::string* text,
                                 std::vector<JsonChild>* children, bool child_values) {
  const Value& v = r.values[index];
  if (v.kind == ValueKind::kString) {
    // A string carrying JSON, the usual case: one parse gives the canonical text and the
    // children, unless an object repeats a key (the Json class then keeps the last).
    auto root = Parse(v.text);
    text->clear();
    if (!root.ok()) {  // not JSON: the string itself (as JsonCarriedBy gives it)
      AppendJsonString(*text, v.text);
      children->clear();
      return JsonKind::kString;
    }
    bool duplicate = false;
    if (AppendCompactJson(*root, *text, 1, &duplicate).ok() && !duplicate) {
      return ReadChildren(*root, child_values, children);
    }
  }
  *text = JsonCarriedBy(r, index);
  SLUICE_ASSIGN_OR_RETURN(const element root, Parse(*text));
  return ReadChildren(root, child_values, children);
}

void AppendBase64String(std::string_view bytes, std::string& out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out.push_back('"');
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t n = static_cast<uint8_t>(bytes[i]) << 16 |
                       static_cast<uint8_t>(bytes[i + 1]) << 8 | static_cast<uint8_t>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kAlphabet[(n >> shift) & 63]);
  }
  if (const size_t rest = bytes.size() - i; rest > 0) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  out.push_back('"');
}

void AppendValueJson(const DecodedRequest& r, uint32_t index, std::string& out) {
  const Value& v = r.values[index];
  switch (v.kind) {
    case ValueKind::kEmpty: out += "null"; return;
    case ValueKind::kString: AppendJsonString(out, v.text); return;
    case ValueKind::kBool: out += v.bool_value ? "true" : "false"; return;
    case ValueKind::kInt: out += std::to_string(v.int_value); return;
    case ValueKind::kDouble: AppendJsonDouble(out, v.double_value); return;
    case ValueKind::kBytes: AppendBase64String(v.text, out); return;
    case ValueKind::kBase64: AppendJsonString(out, v.text); return;
    case ValueKind::kArray: {
      out.push_back('[');
      const uint32_t end = index + v.subtree;
      for (uint32_t c = index + 1; c < end; c += r.values[c].subtree) {
        if (c != index + 1) out.push_back(',');
        AppendValueJson(r, c, out);
      }
      out.push_back(']');
      return;
    }
    case ValueKind::kKvList: {
      JsonObjectBuilder object;
      const uint32_t end = index + v.subtree;
      for (uint32_t c = index + 1; c < end; c += r.values[c].subtree) {
        object.Set(r.values[c].key, ValueJson(r, c));
      }
      out += object.Finish();
      return;
    }
  }
}

std::string ValueJson(const DecodedRequest& r, uint32_t index) {
  std::string out;
  AppendValueJson(r, index, out);
  return out;
}

Json ValueToJson(const DecodedRequest& r, uint32_t index) {
  auto parsed = Json::Parse(ValueJson(r, index));
  return parsed.ok() ? std::move(parsed).value() : Json();
}

std::string JsonCarriedBy(const DecodedRequest& r, uint32_t index) {
  const Value& v = r.values[index];
  if (v.kind != ValueKind::kString) return ValueJson(r, index);
  auto canonical = CanonicalJson(v.text);
  if (canonical.ok()) return std::move(canonical).value();
  std::string out;
  AppendJsonString(out, v.text);
  return out;
}

std::optional<double> ValueNumber(const Value& v) {
  if (v.kind == ValueKind::kInt) return static_cast<double>(v.int_value);
  if (v.kind == ValueKind::kDouble) return v.double_value;
  if (v.kind != ValueKind::kString || v.text.empty()) return std::nullopt;
  double d = 0;
  auto [end, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), d);
  if (ec != std::errc() || end != v.text.data() + v.text.size()) return std::nullopt;
  return d;
}

namespace {

// A bit per (length, first and last byte) of a key: keys whose bits differ differ.
size_t KeyBit(std::string_view key) {
  if (key.empty()) return 0;
  return (key.size() * 131 + static_cast<uint8_t>(key.front()) * 7 +
          static_cast<uint8_t>(key.back())) &
         255;
}

}  // namespace

std::string MemberList::Write(const DecodedRequest& r) {
  if (members_.empty()) return std::string();
  // Whether a later member of the same key replaces member i, found from the last member back:
  // a key whose bit no later key has set is not replaced (nearly every key); for the others, a
  // scan while the list is short, an index of each key's last member past that.
  std::unordered_map<std::string_view, size_t> last;
  if (members_.size() > kIndexedMembers * 2) {
    for (size_t i = 0; i < members_.size(); ++i) last[members_[i].key] = i;
  }
  uint64_t later[4] = {};
  for (size_t i = members_.size(); i-- > 0;) {
    Member& m = members_[i];
    const size_t bit = KeyBit(m.key);
    m.replaced = false;
    if ((later[bit / 64] >> (bit % 64) & 1) != 0) {
      if (!last.empty()) {
        m.replaced = last[m.key] != i;
      } else {
        for (size_t j = i + 1; j < members_.size() && !m.replaced; ++j) {
          m.replaced = members_[j].key == m.key;
        }
      }
    }
    later[bit / 64] |= uint64_t{1} << (bit % 64);
  }
  size_t estimate = 2;
  for (const Member& m : members_) {
    estimate += m.key.size() + 4 + (m.value == kText ? m.text.size() : 16);
  }
  std::string out;
  out.reserve(estimate);
  out.push_back('{');
  for (size_t i = 0; i < members_.size(); ++i) {
    if (members_[i].replaced) continue;
    if (out.size() > 1) out.push_back(',');
    AppendJsonString(out, members_[i].key);
    out.push_back(':');
    if (members_[i].value == kText) {
      out += members_[i].text;
    } else {
      AppendValueJson(r, members_[i].value, out);
    }
  }
  out.push_back('}');
  return out;
}

void JsonObjectBuilder::Set(std::string_view key, std::string json_text) {
  if (members_.size() >= kIndexedMembers && index_.empty()) {
    for (size_t i = 0; i < members_.size(); ++i) index_.emplace(members_[i].first, i);
  }
  if (!index_.empty()) {
    auto [it, inserted] = index_.emplace(std::string(key), members_.size());
    if (!inserted) {
      members_[it->second].second = std::move(json_text);
      return;
    }
  } else {
    for (auto& m : members_) {
      if (m.first == key) {
        m.second = std::move(json_text);
        return;
      }
    }
  }
  members_.emplace_back(std::string(key), std::move(json_text));
}

std::string JsonObjectBuilder::Finish() const {
  std::string out = "{";
  for (const auto& [k, v] : members_) {
    if (out.size() > 1) out.push_back(',');
    AppendJsonString(out, k);
    out.push_back(':');
    out += v;
  }
  out.push_back('}');
  return out;
}

}  // namespace sluice::api::otlp
