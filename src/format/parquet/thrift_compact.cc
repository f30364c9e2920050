#include "format/parquet/thrift_compact.h"

namespace sluice::format::parquet {

void ThriftCompactEncoder::BeginStruct() {
  stack_.push_back(last_id_);
  last_id_ = 0;
}

void ThriftCompactEncoder::EndStruct() {
  out_->push_back(0);  // stop
  last_id_ = stack_.empty() ? 0 : stack_.back();
  if (!stack_.empty()) stack_.pop_back();
}

void ThriftCompactEncoder::FieldHeader(int16_t id, ThriftType type) {
  int delta = id - last_id_;
  if (delta > 0 && delta <= 15) {
    out_->push_back(static_cast<char>((delta << 4) | static_cast<uint8_t>(type)));
  } else {
    out_->push_back(static_cast<char>(type));
    Varint(ZigZag(id));
  }
  last_id_ = id;
}

void ThriftCompactEncoder::FieldI16(int16_t id, int16_t v) {
  FieldHeader(id, ThriftType::kI16);
  Varint(ZigZag(v));
}

void ThriftCompactEncoder::FieldI32(int16_t id, int32_t v) {
  FieldHeader(id, ThriftType::kI32);
  Varint(ZigZag(v));
}

void ThriftCompactEncoder::FieldI64(int16_t id, int64_t v) {
  FieldHeader(id, ThriftType::kI64);
  Varint(ZigZag(v));
}

void ThriftCompactEncoder::FieldBool(int16_t id, bool v) {
  // Booleans live in the field header's type nibble.
  FieldHeader(id, v ? ThriftType::kBoolTrue : ThriftType::kBoolFalse);
}

void ThriftCompactEncoder::FieldBinary(int16_t id, std::string_view v) {
  FieldHeader(id, ThriftType::kBinary);
  Binary(v);
}

void ThriftCompactEncoder::FieldStructBegin(int16_t id) {
  FieldHeader(id, ThriftType::kStruct);
  BeginStruct();
}

void ThriftCompactEncoder::FieldListBegin(int16_t id, ThriftType element_type, uint32_t size) {
  FieldHeader(id, ThriftType::kList);
  if (size < 15) {
    out_->push_back(static_cast<char>((size << 4) | static_cast<uint8_t>(element_type)));
  } else {
    out_->push_back(static_cast<char>(0xF0 | static_cast<uint8_t>(element_type)));
    Varint(size);
  }
}

void ThriftCompactEncoder::Binary(std::string_view v) {
  Varint(v.size());
  out_->append(v);
}

void ThriftCompactEncoder::Varint(uint64_t v) {
  while (v >= 0x80) {
    out_->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out_->push_back(static_cast<char>(v));
}

}  // namespace sluice::format::parquet
