// JSON text for OTLP attribute values and for the JSON-valued fields of a row: AnyValue as JSON
// (kvlist -> object, array -> array, bytes -> base64 string), canonical text of JSON carried in
// string attributes, and an object builder whose later members replace earlier ones of the same
// key. Everything produced is compact canonical JSON (common/json.h), as the insert API stores.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "api/otlp/otlp_request.h"
#include "common/json.h"

namespace sluice::api::otlp {

// Appends values[index] as JSON. A kvlist with a repeated key keeps the last value.
void AppendValueJson(const DecodedRequest& r, uint32_t index, std::string& out);
std::string ValueJson(const DecodedRequest& r, uint32_t index);
// values[index] as an owned Json value.
Json ValueToJson(const DecodedRequest& r, uint32_t index);

// The canonical compact form of JSON `text`; kInvalidArgument when it is not one JSON document.
Result<std::string> CanonicalJson(std::string_view text);

// A JSON string attribute that carries JSON (messages, objects): its canonical text, or the
// string itself as a JSON string when it does not parse. Other values as AppendValueJson.
std::string JsonCarriedBy(const DecodedRequest& r, uint32_t index);

// What a JSON value is, named as Json::TypeName names it (JsonKindName).
enum class JsonKind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };
std::string_view JsonKindName(JsonKind kind);

// One member of a JSON object, or one element of an array (key empty).
struct JsonChild {
  std::string key;
  JsonKind kind = JsonKind::kNull;
  double number = 0;   // kNumber
  std::string string;  // kString: the string's value
  std::string text;    // the value as compact canonical JSON
};

// JsonCarriedBy's text of values[index] into `text`, and the kind of its top level, with an
// object's members or an array's elements in order into `children` (cleared first), without
// building a Json tree. A string carrying JSON is parsed once for both. Without
// `child_values`, the children have their key, kind and number only (no text or string).
Result<JsonKind> ReadCarriedJson(const DecodedRequest& r, uint32_t index, std::string* text,
                                 std::vector<JsonChild>* children, bool child_values = true);

// A number: an int or double value, or a string holding a decimal number.
std::optional<double> ValueNumber(const Value& v);

// Appends `bytes` as a JSON string of their base64 encoding (RFC 4648, padded).
void AppendBase64String(std::string_view bytes, std::string& out);

// The members of one JSON object gathered from several sources (request values and JSON texts),
// written once with no key repeated: a later member replaces an earlier one of the same key.
// Keys and texts are borrowed and must outlive Write(). Not thread-safe.
class MemberList {
 public:
  // Empties the list, keeping its memory.
  void Clear() { members_.clear(); }
  void AddValue(std::string_view key, uint32_t value_index) {
    members_.push_back({key, {}, value_index});
  }
  void AddText(std::string_view key, std::string_view json_text) {
    members_.push_back({key, json_text, kText});
  }
  // The object's compact text, "" when there are no members.
  std::string Write(const DecodedRequest& r);

 private:
  static constexpr uint32_t kText = UINT32_MAX;
  struct Member {
    std::string_view key;
    std::string_view text;  // when value == kText
    uint32_t value;         // an index into DecodedRequest::values
    bool replaced = false;  // by a later member of the same key (set by Write)
  };
  std::vector<Member> members_;
};

// Builds one JSON object from members given as JSON text; setting a key again replaces its
// value where it first appeared (as Json::Set does). Not thread-safe.
class JsonObjectBuilder {
 public:
  void Set(std::string_view key, std::string json_text);
  bool empty() const { return members_.empty(); }
  // The object's compact text ("{}" when empty).
  std::string Finish() const;

 private:
  std::vector<std::pair<std::string, std::string>> members_;
  std::unordered_map<std::string, size_t> index_;  // built once there are many members
};

}  // namespace sluice::api::otlp
