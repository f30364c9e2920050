#include "common/json.h"

#include <simdjson.h>

#include "common/json_writer.h"
#include "common/kept_json_parser.h"
#include "common/simdjson_compact.h"

namespace sluice {

Json Json::Bool(bool v) {
  Json j;
  j.type_ = Type::kBool;
  j.b_ = v;
  return j;
}
Json Json::Int(int64_t v) {
  Json j;
  j.type_ = Type::kInt;
  j.i_ = v;
  return j;
}
Json Json::Uint(uint64_t v) {
  if (v <= static_cast<uint64_t>(INT64_MAX)) return Int(static_cast<int64_t>(v));
  Json j;
  j.type_ = Type::kUint;
  j.u_ = v;
  return j;
}
Json Json::Double(double v) {
  Json j;
  j.type_ = Type::kDouble;
  j.d_ = v;
  return j;
}
Json Json::String(std::string v) {
  Json j;
  j.type_ = Type::kString;
  j.s_ = std::move(v);
  return j;
}
Json Json::Array() {
  Json j;
  j.type_ = Type::kArray;
  return j;
}
Json Json::Object() {
  Json j;
  j.type_ = Type::kObject;
  return j;
}

std::string_view Json::TypeName() const {
  switch (type_) {
    case Type::kNull: return "null";
    case Type::kBool: return "boolean";
    case Type::kInt:
    case Type::kUint:
    case Type::kDouble: return "number";
    case Type::kString: return "string";
    case Type::kArray: return "array";
    case Type::kObject: return "object";
  }
  return "null";
}

double Json::number_value() const {
  switch (type_) {
    case Type::kInt: return static_cast<double>(i_);
    case Type::kUint: return static_cast<double>(u_);
    case Type::kDouble: return d_;
    default: return 0;
  }
}

const Json* Json::Find(std::string_view key) const {
  if (type_ != Type::kObject) return nullptr;
  for (const auto& [k, v] : obj_) {
    if (k == key) return &v;
  }
  return nullptr;
}

Json* Json::FindMutable(std::string_view key) {
  return const_cast<Json*>(static_cast<const Json*>(this)->Find(key));
}

void Json::Set(std::string key, Json value) {
  SLUICE_CHECK(type_ == Type::kObject);
  for (auto& [k, v] : obj_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  obj_.emplace_back(std::move(key), std::move(value));
}

bool Json::Erase(std::string_view key) {
  for (auto it = obj_.begin(); it != obj_.end(); ++it) {
    if (it->first == key) {
      obj_.erase(it);
      return true;
    }
  }
  return false;
}

void Json::Push(Json value) {
  SLUICE_CHECK(type_ == Type::kArray);
  arr_.push_back(std::move(value));
}

void Json::AppendTo(std::string& out) const {
  switch (type_) {
    case Type::kNull: out += "null"; break;
    case Type::kBool: out += b_ ? "true" : "false"; break;
    case Type::kInt: out += std::to_string(i_); break;
    case Type::kUint: out += std::to_string(u_); break;
    case Type::kDouble: AppendJsonDouble(out, d_); break;
    case Type::kString: AppendJsonString(out, s_); break;
    case Type::kArray:
      out.push_back('[');
      for (size_t i = 0; i < arr_.size(); ++i) {
        if (i) out.push_back(',');
        arr_[i].AppendTo(out);
      }
      out.push_back(']');
      break;
    case Type::kObject:
      out.push_back('{');
      for (size_t i = 0; i < obj_.size(); ++i) {
        if (i) out.push_back(',');
        AppendJsonString(out, obj_[i].first);
        out.push_back(':');
        obj_[i].second.AppendTo(out);
      }
      out.push_back('}');
      break;
  }
}

std::string Json::ToString() const {
  std::string out;
  AppendTo(out);
  return out;
}

void Json::MergeFrom(const Json& patch) {
  if (type_ != Type::kObject || patch.type_ != Type::kObject) {
    *this = patch;
    return;
  }
  for (const auto& [k, v] : patch.obj_) {
    Json* mine = FindMutable(k);
    if (mine == nullptr) {
      obj_.emplace_back(k, v);
    } else {
      mine->MergeFrom(v);
    }
  }
}

bool operator==(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    if (a.type_ == b.type_ && a.type_ == Json::Type::kInt) return a.i_ == b.i_;
    return a.number_value() == b.number_value();
  }
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case Json::Type::kNull: return true;
    case Json::Type::kBool: return a.b_ == b.b_;
    case Json::Type::kString: return a.s_ == b.s_;
    case Json::Type::kArray: return a.arr_ == b.arr_;
    case Json::Type::kObject: {
      if (a.obj_.size() != b.obj_.size()) return false;
      for (const auto& [k, v] : a.obj_) {
        const Json* o = b.Find(k);
        if (o == nullptr || !(*o == v)) return false;
      }
      return true;
    }
    default: return false;
  }
}

namespace {

// `depth` counts from 1 at the outermost value, as AppendCompactJson's does.
Status Convert(simdjson::dom::element el, Json* out, int depth) {
  if (depth > kMaxJsonDepth) return InvalidArgumentError("invalid JSON: nested deeper than 256");
  switch (el.type()) {
    case simdjson::dom::element_type::NULL_VALUE: *out = Json(); break;
    case simdjson::dom::element_type::BOOL: *out = Json::Bool(el.get_bool().value()); break;
    case simdjson::dom::element_type::INT64: *out = Json::Int(el.get_int64().value()); break;
    case simdjson::dom::element_type::UINT64: *out = Json::Uint(el.get_uint64().value()); break;
    case simdjson::dom::element_type::DOUBLE: *out = Json::Double(el.get_double().value()); break;
    case simdjson::dom::element_type::STRING:
      *out = Json::String(std::string(el.get_string().value()));
      break;
    case simdjson::dom::element_type::ARRAY: {
      *out = Json::Array();
      simdjson::dom::array arr = el.get_array().value_unsafe();
      for (auto child : arr) {
        Json c;
        SLUICE_RETURN_IF_ERROR(Convert(child, &c, depth + 1));
        out->mutable_array().push_back(std::move(c));
      }
      break;
    }
    case simdjson::dom::element_type::OBJECT: {
      *out = Json::Object();
      simdjson::dom::object obj = el.get_object().value_unsafe();
      for (auto field : obj) {
        Json c;
        SLUICE_RETURN_IF_ERROR(Convert(field.value, &c, depth + 1));
        out->Set(std::string(field.key), std::move(c));
      }
      break;
    }
  }
  return Status();
}

}  // namespace

Result<Json> Json::Parse(std::string_view text) {
  // One parser per thread, kept between documents.
  thread_local KeptJsonParser parser;
  SLUICE_ASSIGN_OR_RETURN(const simdjson::dom::element root, parser.ParseOrError(text));
  Json out;
  SLUICE_RETURN_IF_ERROR(Convert(root, &out, 1));
  return out;
}

Result<std::string> CanonicalizeJson(std::string_view text) {
  SLUICE_ASSIGN_OR_RETURN(Json j, Json::Parse(text));
  return j.ToString();
}

namespace {

// The common case without escapes: `["a","b"]` as StringsToJson writes it (whitespace allowed).
// False when the text needs the full parser.
bool SplitPlainStrings(std::string_view t, std::vector<std::string>* out) {
  if (t.find('\\') != std::string_view::npos) return false;
  size_t n = 0, i = 0;
  auto skip_ws = [&] {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\n' || t[i] == '\t' || t[i] == '\r')) ++i;
  };
  skip_ws();
  if (i >= t.size() || t[i++] != '[') return false;
  skip_ws();
  if (i < t.size() && t[i] == ']') {
    out->resize(0);
    return true;
  }
  while (true) {
    skip_ws();
    if (i >= t.size() || t[i++] != '"') return false;
    const size_t end = t.find('"', i);
    if (end == std::string_view::npos) return false;
    if (n == out->size()) out->emplace_back();
    (*out)[n++].assign(t.data() + i, end - i);
    i = end + 1;
    skip_ws();
    if (i >= t.size()) return false;
    if (t[i] == ']') break;
    if (t[i++] != ',') return false;
  }
  out->resize(n);
  return true;
}

}  // namespace

void JsonToStringsInto(std::string_view text, std::vector<std::string>* out) {
  if (text.empty()) {
    out->clear();
    return;
  }
  if (SplitPlainStrings(text, out)) return;
  out->clear();
  auto j = Json::Parse(text);
  if (!j.ok() || !j->is_array()) return;
  for (const Json& s : j->array()) {
    if (!s.is_string()) {
      out->clear();
      return;
    }
    out->push_back(s.string_value());
  }
}

std::vector<std::string> JsonToStrings(std::string_view text) {
  std::vector<std::string> out;
  JsonToStringsInto(text, &out);
  return out;
}

}  // namespace sluice
