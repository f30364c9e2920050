// ThriftCompactDecoder: the reading half of the Thrift compact protocol (thrift_compact.h).
#include <cstring>
#include <utility>

#include "format/parquet/thrift_compact.h"

namespace sluice::format::parquet {
namespace {

int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

bool ValidType(uint8_t t) { return t >= 1 && t <= 12; }

}  // namespace

void ThriftCompactDecoder::Fail(std::string what) {
  if (!error_.empty()) return;
  error_ = std::move(what) + " at byte " + std::to_string(pos_);
}

uint64_t ThriftCompactDecoder::Varint(int max_bytes) {
  uint64_t v = 0;
  for (int k = 0; k < max_bytes; ++k) {
    if (!ok()) return 0;
    if (pos_ >= in_.size()) {
      truncated_ = true;
      Fail("thrift varint cut short");
      return 0;
    }
    const auto b = static_cast<uint8_t>(in_[pos_++]);
    v |= static_cast<uint64_t>(b & 0x7F) << (7 * k);
    if ((b & 0x80) == 0) return v;
  }
  Fail("thrift varint longer than " + std::to_string(max_bytes) + " bytes");
  return 0;
}

void ThriftCompactDecoder::BeginStruct() {
  if (stack_.size() >= kMaxDepth) Fail("thrift structs nested deeper than 64");
  stack_.push_back(last_id_);
  last_id_ = 0;
}

void ThriftCompactDecoder::EndStruct() {
  last_id_ = stack_.empty() ? 0 : stack_.back();
  if (!stack_.empty()) stack_.pop_back();
}

bool ThriftCompactDecoder::NextField(int16_t* id, ThriftType* type) {
  if (!ok()) return false;
  if (pos_ >= in_.size()) {
    truncated_ = true;
    Fail("thrift struct cut short");
    return false;
  }
  const auto b = static_cast<uint8_t>(in_[pos_++]);
  if (b == 0) return false;  // stop field
  const uint8_t t = b & 0x0F;
  if (!ValidType(t)) {
    Fail("thrift field of unknown type " + std::to_string(t));
    return false;
  }
  const int delta = b >> 4;
  int64_t field_id = delta == 0 ? UnZigZag(Varint(3)) : last_id_ + delta;
  if (!ok()) return false;
  if (field_id < INT16_MIN || field_id > INT16_MAX) {
    Fail("thrift field id out of range");
    return false;
  }
  last_id_ = static_cast<int16_t>(field_id);
  *id = last_id_;
  *type = static_cast<ThriftType>(t);
  return true;
}

bool ThriftCompactDecoder::Expect(ThriftType got, ThriftType want) {
  if (!ok()) return false;
  if (got == want) return true;
  Fail("thrift field of type " + std::to_string(static_cast<int>(got)) + ", expected " +
       std::to_string(static_cast<int>(want)));
  return false;
}

bool ThriftCompactDecoder::Bool(ThriftType type) {
  if (type == ThriftType::kBoolTrue) return true;
  if (type == ThriftType::kBoolFalse) return false;
  Expect(type, ThriftType::kBoolTrue);
  return false;
}

int8_t ThriftCompactDecoder::Byte(ThriftType type) {
  if (!Expect(type, ThriftType::kByte)) return 0;
  if (pos_ >= in_.size()) {
    truncated_ = true;
    Fail("thrift byte cut short");
    return 0;
  }
  return static_cast<int8_t>(in_[pos_++]);
}

int32_t ThriftCompactDecoder::I32(ThriftType type) {
  // parquet.thrift's enums are i32; an i16 field is read the same way.
  if (type == ThriftType::kI16) type = ThriftType::kI32;
  if (!Expect(type, ThriftType::kI32)) return 0;
  const int64_t v = UnZigZag(Varint(5));
  if (v < INT32_MIN || v > INT32_MAX) {
    Fail("thrift i32 out of range");
    return 0;
  }
  return static_cast<int32_t>(v);
}

int64_t ThriftCompactDecoder::I64(ThriftType type) {
  if (type == ThriftType::kI32 || type == ThriftType::kI16) type = ThriftType::kI64;
  if (!Expect(type, ThriftType::kI64)) return 0;
  return UnZigZag(Varint(10));
}

std::string_view ThriftCompactDecoder::Binary(ThriftType type) {
  if (!Expect(type, ThriftType::kBinary)) return {};
  const uint64_t n = Varint(5);
  if (!ok()) return {};
  if (n > in_.size() - pos_) {
    truncated_ = true;
    Fail("thrift binary of " + std::to_string(n) + " bytes cut short");
    return {};
  }
  std::string_view out = in_.substr(pos_, n);
  pos_ += n;
  return out;
}

uint32_t ThriftCompactDecoder::ListBegin(ThriftType type, ThriftType* element_type) {
  *element_type = ThriftType::kStruct;
  if (type == ThriftType::kSet) type = ThriftType::kList;
  if (!Expect(type, ThriftType::kList)) return 0;
  if (pos_ >= in_.size()) {
    truncated_ = true;
    Fail("thrift list header cut short");
    return 0;
  }
  const auto b = static_cast<uint8_t>(in_[pos_++]);
  uint64_t n = b >> 4;
  if (n == 15) n = Varint(5);
  const uint8_t t = b & 0x0F;
  if (!ok()) return 0;
  if (!ValidType(t)) {
    Fail("thrift list of unknown element type " + std::to_string(t));
    return 0;
  }
  if (n > in_.size() - pos_) {
    truncated_ = true;
    Fail("thrift list of " + std::to_string(n) + " elements in " +
         std::to_string(in_.size() - pos_) + " bytes");
    return 0;
  }
  *element_type = static_cast<ThriftType>(t);
  return static_cast<uint32_t>(n);
}

void ThriftCompactDecoder::Skip(ThriftType type) { SkipDepth(type, 0); }

// `depth` counts enclosing containers; a negative depth marks a collection element, where a
// bool takes one byte instead of living in the field header.
void ThriftCompactDecoder::SkipDepth(ThriftType type, int depth) {
  const bool element = depth < 0;
  const int level = element ? -depth : depth;
  if (!ok()) return;
  if (level > kMaxDepth) return Fail("thrift values nested deeper than 64");
  switch (type) {
    case ThriftType::kBoolTrue:
    case ThriftType::kBoolFalse:
      if (element) Byte(ThriftType::kByte);
      return;
    case ThriftType::kByte: Byte(type); return;
    case ThriftType::kI16:
    case ThriftType::kI32:
    case ThriftType::kI64: Varint(10); return;
    case ThriftType::kDouble:
      if (in_.size() - pos_ < 8) {
        truncated_ = true;
        return Fail("thrift double cut short");
      }
      pos_ += 8;
      return;
    case ThriftType::kBinary: Binary(type); return;
    case ThriftType::kList:
    case ThriftType::kSet: {
      ThriftType elem;
      const uint32_t n = ListBegin(type, &elem);
      for (uint32_t k = 0; k < n && ok(); ++k) SkipDepth(elem, -(level + 1));
      return;
    }
    case ThriftType::kMap: {
      const uint64_t n = Varint(5);
      if (n == 0 || !ok()) return;
      const uint8_t kv = static_cast<uint8_t>(Byte(ThriftType::kByte));
      if (!ValidType(kv >> 4) || !ValidType(kv & 0x0F)) return Fail("thrift map of unknown type");
      if (n > in_.size() - pos_) {
        truncated_ = true;
        return Fail("thrift map of " + std::to_string(n) + " entries cut short");
      }
      for (uint64_t k = 0; k < n && ok(); ++k) {
        SkipDepth(static_cast<ThriftType>(kv >> 4), -(level + 1));
        SkipDepth(static_cast<ThriftType>(kv & 0x0F), -(level + 1));
      }
      return;
    }
    case ThriftType::kStruct: {
      BeginStruct();
      int16_t id;
      ThriftType t;
      while (NextField(&id, &t)) SkipDepth(t, level + 1);
      EndStruct();
      return;
    }
  }
  Fail("thrift value of unknown type");
}

}  // namespace sluice::format::parquet
