// JsonWriter: appends compact JSON (RFC 8259) to a string. Writing is appends only, so JSON Lines
// export and API responses cost little. Strings are escaped per RFC 8259 §7; the input must be
// valid UTF-8 (everything sluice stores was validated on the way in).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// Appends s as a quoted, escaped JSON string to out.
void AppendJsonString(std::string& out, std::string_view s);
// Appends a finite double in its shortest round-trip form; NaN and infinities become null.
void AppendJsonDouble(std::string& out, double v);

// Whether `text` is one JSON document written exactly as the canonical writer writes it
// (CanonicalizeJson, and AppendCompactJson for an object repeating no key): no whitespace, no key
// repeated in an object, strings escaped only as AppendJsonString escapes them, numbers integers
// of at most 18 digits, valid UTF-8. Such a text is its own canonical form, so a caller may keep
// it as it is instead of parsing and writing it again. False says nothing more: a text with a
// fraction, an exponent, a \u escape, an object of more than 32 members or nesting deeper than
// 64 may be canonical too, or not JSON at all.
bool IsCanonicalAsWritten(std::string_view text);

// Not thread-safe. Commas between members and elements are inserted automatically.
class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // Inside an object: the next member's key.
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view v);
  JsonWriter& Int(int64_t v);
  JsonWriter& Uint(uint64_t v);
  JsonWriter& Double(double v);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // Appends already-serialized JSON text as one value. REQUIRES: json is valid JSON.
  JsonWriter& Raw(std::string_view json);

  // Shorthands for a member: Key(k) then the value.
  JsonWriter& Member(std::string_view k, std::string_view v) { return Key(k).String(v); }
  JsonWriter& Member(std::string_view k, const char* v) { return Key(k).String(v); }
  JsonWriter& Member(std::string_view k, int64_t v) { return Key(k).Int(v); }
  JsonWriter& Member(std::string_view k, int v) { return Key(k).Int(v); }
  JsonWriter& Member(std::string_view k, bool v) { return Key(k).Bool(v); }
  JsonWriter& Member(std::string_view k, double v) { return Key(k).Double(v); }

 private:
  void BeforeValue();

  std::string* out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace sluice
