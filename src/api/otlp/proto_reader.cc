#include "api/otlp/proto_reader.h"

#include <simdjson.h>

#include <cstring>
#include <string>

namespace sluice::api::otlp {

Status ProtoReader::Malformed(std::string_view what) const {
  return InvalidArgumentError("malformed protobuf at byte " + std::to_string(base_ + pos_) + ": " +
                              std::string(what));
}

Status ProtoReader::ReadVarint(uint64_t* out) {
  // Tags, and the lengths of short fields, take one byte.
  if (pos_ < data_.size() && static_cast<uint8_t>(data_[pos_]) < 0x80) {
    *out = static_cast<uint8_t>(data_[pos_++]);
    return Status();
  }
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (pos_ >= data_.size()) return Malformed("the body ends inside a varint");
    const uint8_t b = static_cast<uint8_t>(data_[pos_++]);
    // The tenth byte may only carry the 64th bit.
    if (shift == 63 && b > 1) return Malformed("a varint longer than 64 bits");
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *out = v;
      return Status();
    }
  }
  return Malformed("a varint longer than 10 bytes");
}

Status ProtoReader::NextAny(ProtoField* f) {
  f->offset = base_ + pos_;
  uint64_t tag = 0;
  SLUICE_RETURN_IF_ERROR(ReadVarint(&tag));
  const uint64_t number = tag >> 3;
  if (number == 0 || number > 0x1fffffff) return Malformed("field number out of range");
  f->number = static_cast<uint32_t>(number);
  f->bytes = {};
  switch (tag & 7) {
    case 0: f->type = WireType::kVarint; return ReadVarint(&f->bits);
    case 1:
    case 5: {
      const size_t n = (tag & 7) == 1 ? 8 : 4;
      if (data_.size() - pos_ < n) return Malformed("the body ends inside a fixed-size field");
      uint64_t bits = 0;
      std::memcpy(&bits, data_.data() + pos_, n);  // little-endian, as the wire format
      pos_ += n;
      f->type = n == 8 ? WireType::kFixed64 : WireType::kFixed32;
      f->bits = bits;
      return Status();
    }
    case 2: {
      uint64_t len = 0;
      SLUICE_RETURN_IF_ERROR(ReadVarint(&len));
      if (len > data_.size() - pos_) {
        return Malformed("a field of " + std::to_string(len) + " bytes where " +
                         std::to_string(data_.size() - pos_) + " remain");
      }
      f->type = WireType::kLen;
      f->payload_offset = base_ + pos_;
      f->bytes = data_.substr(pos_, len);
      pos_ += len;
      return Status();
    }
    default: return Malformed("wire type " + std::to_string(tag & 7) + " is not supported");
  }
}

Status WrongWireType(const ProtoField& f, WireType want, std::string_view where) {
  return InvalidArgumentError("malformed protobuf at byte " + std::to_string(f.offset) + ": " +
                              std::string(where) + " has wire type " +
                              std::to_string(static_cast<int>(f.type)) + ", expected " +
                              std::to_string(static_cast<int>(want)));
}

bool CheckedUtf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

Status StringPayloadError(const ProtoField& f, std::string_view where) {
  SLUICE_RETURN_IF_ERROR(ExpectWireType(f, WireType::kLen, where));
  return InvalidArgumentError("malformed protobuf at byte " + std::to_string(f.payload_offset) +
                              ": " + std::string(where) + " is not valid UTF-8");
}

double DoubleBits(uint64_t bits) {
  double d = 0;
  std::memcpy(&d, &bits, sizeof(d));
  return d;
}

}  // namespace sluice::api::otlp
