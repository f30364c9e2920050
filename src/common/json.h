// Json: a small owned JSON value (DOM) for request bodies, deep merge and canonical output.
// Parsing uses simdjson (included only in json.cc) and rejects invalid UTF-8. Objects keep
// their keys in first-seen order; a repeated key keeps the last value. Canonical text
// (ToString) is compact, with that key order and shortest round-trip numbers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace sluice {

class Json {
 public:
  enum class Type { kNull, kBool, kInt, kUint, kDouble, kString, kArray, kObject };
  using Member = std::pair<std::string, Json>;

  Json() = default;  // null
  static Json Bool(bool v);
  static Json Int(int64_t v);
  static Json Uint(uint64_t v);
  static Json Double(double v);
  static Json String(std::string v);
  static Json Array();
  static Json Object();

  // Parses one JSON document. Errors are kInvalidArgument with the reason and, where known,
  // the byte offset ("invalid JSON at byte 12: ...").
  static Result<Json> Parse(std::string_view text);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const {
    return type_ == Type::kInt || type_ == Type::kUint || type_ == Type::kDouble;
  }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }
  // "null", "boolean", "number", "string", "array", "object".
  std::string_view TypeName() const;

  bool bool_value() const { return b_; }
  int64_t int_value() const { return i_; }
  uint64_t uint_value() const { return u_; }
  // Any number as a double.
  double number_value() const;
  const std::string& string_value() const { return s_; }
  std::string& mutable_string() { return s_; }

  const std::vector<Json>& array() const { return arr_; }
  std::vector<Json>& mutable_array() { return arr_; }
  const std::vector<Member>& members() const { return obj_; }
  std::vector<Member>& mutable_members() { return obj_; }

  // Object access. Find returns nullptr when absent or when this is not an object.
  const Json* Find(std::string_view key) const;
  Json* FindMutable(std::string_view key);
  // Sets (replacing) a member; REQUIRES: is_object().
  void Set(std::string key, Json value);
  // Removes a member; returns whether it was there.
  bool Erase(std::string_view key);
  // Appends to an array; REQUIRES: is_array().
  void Push(Json value);

  // Compact canonical text.
  std::string ToString() const;
  void AppendTo(std::string& out) const;

  // Deep merge per the insert API's `_is_merge`: objects merge key by key recursively; any
  // other value in `patch` replaces the value here.
  void MergeFrom(const Json& patch);

  friend bool operator==(const Json& a, const Json& b);

 private:
  Type type_ = Type::kNull;
  bool b_ = false;
  int64_t i_ = 0;
  uint64_t u_ = 0;
  double d_ = 0;
  std::string s_;
  std::vector<Json> arr_;
  std::vector<Member> obj_;
};

// Validates that text is one JSON document and returns its canonical form.
Result<std::string> CanonicalizeJson(std::string_view text);

// The strings of a JSON array of strings; an empty list for "" or for text that is not an array
// of strings.
std::vector<std::string> JsonToStrings(std::string_view text);
// The same into `out`, reusing its strings' storage (scans call it once per row).
void JsonToStringsInto(std::string_view text, std::vector<std::string>* out);

}  // namespace sluice
