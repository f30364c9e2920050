// ProtoReader: a cursor over the protobuf wire format (protobuf.dev, "Encoding"): varints,
// 64- and 32-bit fixed fields and length-delimited fields, one field at a time. It never
// allocates and never reads outside its bytes; a malformed field is kInvalidArgument naming
// the byte offset. Groups (wire types 3 and 4, unused by OTLP) count as malformed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace sluice::api::otlp {

enum class WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

struct ProtoField {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t bits = 0;          // the varint's value, or the fixed field's bits
  std::string_view bytes;     // the payload of a length-delimited field
  size_t offset = 0;          // where the field's tag starts, from the start of the whole body
  size_t payload_offset = 0;  // where `bytes` starts, from the start of the whole body
};

// A cursor over the fields of one message. Cheap to copy; not thread-safe.
class ProtoReader {
 public:
  // `base` is the offset of `data` within the whole body, for error messages.
  explicit ProtoReader(std::string_view data, size_t base = 0) : data_(data), base_(base) {}

  bool done() const { return pos_ >= data_.size(); }
  // Reads the next field. kInvalidArgument when the bytes end inside it, a varint is longer
  // than 10 bytes, the field number is 0 or the wire type is not one of WireType.
  Status Next(ProtoField* field);

 private:
  Status ReadVarint(uint64_t* out);
  Status Malformed(std::string_view what) const;

  std::string_view data_;
  size_t base_;
  size_t pos_ = 0;
};

// Checks that a field has the wire type its schema gives it; kInvalidArgument naming `where`.
Status ExpectWireType(const ProtoField& f, WireType want, std::string_view where);

// A length-delimited field's payload as text; kInvalidArgument when it is not valid UTF-8 (the
// protobuf rule for `string` fields).
Result<std::string_view> StringPayload(const ProtoField& f, std::string_view where);

// A fixed64 field's bits as a double (IEEE 754, as protobuf encodes `double`).
double DoubleBits(uint64_t bits);

}  // namespace sluice::api::otlp
