// Encoder and decoder for the Thrift compact protocol (Apache Thrift's THRIFT-110 compact
// protocol spec), the serialization of Parquet's page headers and file footer: zigzag varints,
// field headers with id deltas, list headers and nested structs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::format::parquet {

// Compact protocol type ids as they appear in field and list headers.
enum class ThriftType : uint8_t {
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

// Appends to a string. Not thread-safe. Every struct (the outermost one too) is bracketed by
// BeginStruct/EndStruct; fields are written in increasing id order within a struct.
class ThriftCompactEncoder {
 public:
  explicit ThriftCompactEncoder(std::string* out) : out_(out) {}

  void BeginStruct();
  // Writes the stop field and returns to the enclosing struct.
  void EndStruct();

  void FieldI16(int16_t id, int16_t v);
  void FieldI32(int16_t id, int32_t v);
  void FieldI64(int16_t id, int64_t v);
  void FieldBool(int16_t id, bool v);
  void FieldBinary(int16_t id, std::string_view v);
  // A struct-valued field: the field header then BeginStruct; close it with EndStruct.
  void FieldStructBegin(int16_t id);
  // A list-valued field header; its `size` elements follow (I32, Binary or structs).
  void FieldListBegin(int16_t id, ThriftType element_type, uint32_t size);

  // List elements.
  void I32(int32_t v) { Varint(ZigZag(v)); }
  void I64(int64_t v) { Varint(ZigZag(v)); }
  void Binary(std::string_view v);

  // Primitives, public for tests.
  void Varint(uint64_t v);
  static uint64_t ZigZag(int64_t v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  }

 private:
  void FieldHeader(int16_t id, ThriftType type);

  std::string* out_;
  int16_t last_id_ = 0;
  std::vector<int16_t> stack_;  // last field id of each enclosing struct
};

// Reads what ThriftCompactEncoder (or any compact protocol writer) wrote, from borrowed bytes.
// Errors are sticky: after the first one (input ends, malformed varint, wrong field type,
// nesting deeper than kMaxDepth), every read returns 0 or empty and NextField returns false,
// so parsing loops end; ok() and error() report the first. Never reads past the input and never
// allocates from a size it read. Not thread-safe.
class ThriftCompactDecoder {
 public:
  static constexpr int kMaxDepth = 64;

  explicit ThriftCompactDecoder(std::string_view in) : in_(in) {}

  // Brackets a struct's fields; NextField returns false at its stop field.
  void BeginStruct();
  void EndStruct();
  // Reads the next field header of the current struct into id and type; false at the stop
  // field or after an error. A bool field's value is its type (Bool reads it).
  bool NextField(int16_t* id, ThriftType* type);

  // Values of a field whose header said `type`; a type other than the one read is an error.
  bool Bool(ThriftType type);
  int8_t Byte(ThriftType type);
  int32_t I32(ThriftType type);
  int64_t I64(ThriftType type);
  std::string_view Binary(ThriftType type);
  // A list-valued field: returns the element count (at most the bytes left, since every
  // element takes one) and sets the element type.
  uint32_t ListBegin(ThriftType type, ThriftType* element_type);
  // List elements.
  int32_t ElementI32() { return I32(ThriftType::kI32); }
  std::string_view ElementBinary() { return Binary(ThriftType::kBinary); }
  // Skips one value of `type` (a whole struct, list, set or map).
  void Skip(ThriftType type);

  // Reads a struct-valued field (or the outermost struct, with kStruct): on_field(id, type) is
  // called for each field, reads the value and returns true, or returns false to skip it.
  template <typename F>
  void ReadStruct(ThriftType type, F&& on_field) {
    if (!Expect(type, ThriftType::kStruct)) return;
    BeginStruct();
    int16_t id;
    ThriftType t;
    while (NextField(&id, &t)) {
      if (!on_field(id, t)) Skip(t);
    }
    EndStruct();
  }

  // Records an error found by the caller (a missing required field, a bad value).
  void Fail(std::string what);
  bool ok() const { return error_.empty(); }
  // "<what> at byte N", or empty.
  const std::string& error() const { return error_; }
  // True when the error was running out of input (a longer prefix might parse).
  bool truncated() const { return truncated_; }
  size_t position() const { return pos_; }

 private:
  bool Expect(ThriftType got, ThriftType want);
  uint64_t Varint(int max_bytes);
  void SkipDepth(ThriftType type, int depth);

  std::string_view in_;
  size_t pos_ = 0;
  int16_t last_id_ = 0;
  std::vector<int16_t> stack_;
  std::string error_;
  bool truncated_ = false;
};

}  // namespace sluice::format::parquet
