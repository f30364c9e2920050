// ProtoReader: a cursor over the protobuf wire format (protobuf.dev, "Encoding"): varints,
// 64- and 32-bit fixed fields and length-delimited fields, one field at a time. It never
// allocates and never reads outside its bytes; a malformed field is kInvalidArgument naming
// the byte offset. Groups (wire types 3 and 4, unused by OTLP) count as malformed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
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

// A varint of one or two bytes at `p` (before `end`): its value in *v and its length, or 0
// (nothing read) when it is longer or runs past `end`. The common case of every tag, length and
// small integer, read inline; ProtoReader's general path reads the rest.
inline size_t ShortVarint(const uint8_t* p, const uint8_t* end, uint64_t* v) {
  if (p < end && p[0] < 0x80) {
    *v = p[0];
    return 1;
  }
  if (end - p >= 2 && p[1] < 0x80) {
    *v = (p[0] & 0x7f) | uint64_t{p[1]} << 7;
    return 2;
  }
  return 0;
}

// A cursor over the fields of one message. Cheap to copy; not thread-safe.
class ProtoReader {
 public:
  // `base` is the offset of `data` within the whole body, for error messages.
  explicit ProtoReader(std::string_view data, size_t base = 0) : data_(data), base_(base) {}

  bool done() const { return pos_ >= data_.size(); }
  // Reads the next field. kInvalidArgument when the bytes end inside it, a varint is longer
  // than 10 bytes, the field number is 0 or the wire type is not one of WireType.
  Status Next(ProtoField* field) {
    if (NextShort(field)) return Status();
    return NextAny(field);
  }

 private:
  // The common case, inline: a one-byte tag (fields 1 to 15) and a one-byte varint, a fixed64
  // or a length of one or two bytes, all inside the bytes. False (nothing read) otherwise.
  bool NextShort(ProtoField* f) {
    const size_t left = data_.size() - pos_;
    if (left < 2) return false;
    const auto* p = reinterpret_cast<const uint8_t*>(data_.data()) + pos_;
    const uint8_t* const end = p + left;
    const uint8_t tag = p[0];
    if (tag >= 0x80 || tag < 8) return false;
    f->offset = base_ + pos_;
    f->number = tag >> 3;
    switch (tag & 7) {
      case 0: {
        uint64_t bits = 0;
        const size_t n = ShortVarint(p + 1, end, &bits);
        if (n == 0) return false;
        f->type = WireType::kVarint;
        f->bits = bits;
        f->bytes = {};
        pos_ += 1 + n;
        return true;
      }
      case 1: {
        if (left < 9) return false;
        uint64_t bits;
        std::memcpy(&bits, p + 1, 8);  // little-endian, as the wire format
        f->type = WireType::kFixed64;
        f->bits = bits;
        f->bytes = {};
        pos_ += 9;
        return true;
      }
      case 2: {
        uint64_t len = 0;
        const size_t n = ShortVarint(p + 1, end, &len);
        if (n == 0 || len > left - 1 - n) return false;
        f->type = WireType::kLen;
        f->payload_offset = base_ + pos_ + 1 + n;
        f->bytes = data_.substr(pos_ + 1 + n, len);
        pos_ += 1 + n + len;
        return true;
      }
      default: return false;
    }
  }
  // Any field, or the error that says why it is malformed.
  Status NextAny(ProtoField* field);
  Status ReadVarint(uint64_t* out);
  Status Malformed(std::string_view what) const;

  std::string_view data_;
  size_t base_;
  size_t pos_ = 0;
};

// The error ExpectWireType gives.
Status WrongWireType(const ProtoField& f, WireType want, std::string_view where);

// Checks that a field has the wire type its schema gives it; kInvalidArgument naming `where`.
inline Status ExpectWireType(const ProtoField& f, WireType want, std::string_view where) {
  if (f.type == want) return Status();
  return WrongWireType(f, want, where);
}

// Whether `s` is shorter than 64 bytes and all ASCII (so valid UTF-8), checked eight bytes at a
// time: most keys and short values are, and this is cheaper than a call through simdjson's
// dispatch. Longer texts go to simdjson's vector check.
inline bool ShortAscii(std::string_view s) {
  if (s.size() >= 64) return false;
  uint64_t high = 0;
  if (s.size() >= 8) {
    // Whole words, the last one overlapping the one before when the size is not a multiple.
    for (size_t i = 0; i + 8 < s.size(); i += 8) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      high |= w;
    }
    uint64_t last;
    std::memcpy(&last, s.data() + s.size() - 8, 8);
    high |= last;
  } else {
    for (char c : s) high |= static_cast<uint8_t>(c);
  }
  return (high & 0x8080808080808080ull) == 0;
}

// simdjson's UTF-8 check, for the texts ShortAscii does not clear.
bool CheckedUtf8(std::string_view s);

// Whether `s` is valid UTF-8 (the protobuf rule for `string` fields).
inline bool ValidUtf8(std::string_view s) { return ShortAscii(s) || CheckedUtf8(s); }

// StringPayload's error: the wire type, or the UTF-8, that is wrong.
Status StringPayloadError(const ProtoField& f, std::string_view where);

// A length-delimited field's payload as text; kInvalidArgument when it is not valid UTF-8.
inline Result<std::string_view> StringPayload(const ProtoField& f, std::string_view where) {
  if (f.type == WireType::kLen && ValidUtf8(f.bytes)) return f.bytes;
  return StringPayloadError(f, where);
}

// A fixed64 field's bits as a double (IEEE 754, as protobuf encodes `double`).
double DoubleBits(uint64_t bits);

}  // namespace sluice::api::otlp
