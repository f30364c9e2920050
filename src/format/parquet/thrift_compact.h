// Encoder for the Thrift compact protocol (Apache Thrift's THRIFT-110 compact protocol spec),
// the serialization of Parquet's page headers and file footer: zigzag varints, field headers
// with id deltas, list headers and nested structs.
#pragma once

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

}  // namespace sluice::format::parquet
