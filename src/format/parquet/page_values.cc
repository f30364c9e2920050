#include "format/parquet/page_values.h"

#include <bit>
#include <cstring>
#include <utility>

namespace sluice::format::parquet {
namespace {

static_assert(std::endian::native == std::endian::little, "PLAIN values are read in place");

template <typename T>
T LoadLe(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// A fixed-width PLAIN value at p (width bytes are there).
void DecodeFixed(PhysicalType type, const char* p, int32_t width, PhysicalValue* v) {
  switch (type) {
    case PhysicalType::kInt32: v->i = LoadLe<int32_t>(p); return;
    case PhysicalType::kInt64: v->i = LoadLe<int64_t>(p); return;
    case PhysicalType::kFloat: v->d = LoadLe<float>(p); return;
    case PhysicalType::kDouble: v->d = LoadLe<double>(p); return;
    default: v->bytes = std::string_view(p, static_cast<size_t>(width)); return;
  }
}

}  // namespace

std::string EncodingName(Encoding e) {
  static constexpr const char* kNames[] = {
      "PLAIN",          "GROUP_VAR_INT",       "PLAIN_DICTIONARY",        "RLE",
      "BIT_PACKED",     "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
      "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};
  const auto k = static_cast<int32_t>(e);
  return k >= 0 && k < 10 ? kNames[k] : "encoding " + std::to_string(k);
}

int32_t PlainWidth(PhysicalType type, int32_t type_length) {
  switch (type) {
    case PhysicalType::kInt32:
    case PhysicalType::kFloat: return 4;
    case PhysicalType::kInt64:
    case PhysicalType::kDouble: return 8;
    case PhysicalType::kInt96: return 12;
    case PhysicalType::kFixedLenByteArray: return type_length;
    default: return 0;
  }
}

Status Dictionary::Load(PhysicalType type, int32_t type_length, std::string page, int32_t count) {
  Clear();
  type_ = type;
  width_ = PlainWidth(type, type_length);
  page_ = std::move(page);
  const uint64_t bytes = page_.size();
  const auto n = static_cast<uint64_t>(count);
  bool fits = count >= 0;
  if (type == PhysicalType::kBoolean) {
    fits = fits && n <= bytes * 8;
  } else if (type == PhysicalType::kByteArray) {
    fits = fits && n <= bytes / 4;
    offsets_.reserve(fits ? n : 0);
    size_t pos = 0;
    for (uint64_t k = 0; fits && k < n; ++k) {
      fits = bytes - pos >= 4 && bytes - pos - 4 >= LoadLe<uint32_t>(page_.data() + pos);
      if (!fits) break;
      offsets_.push_back(static_cast<uint32_t>(pos));
      pos += 4 + LoadLe<uint32_t>(page_.data() + pos);
    }
  } else {
    fits = fits && width_ > 0 && n * static_cast<uint64_t>(width_) <= bytes;
  }
  if (!fits) {
    Clear();
    return DataLossError("dictionary page of " + std::to_string(bytes) + " bytes does not hold " +
                         std::to_string(count) + " entries");
  }
  count_ = static_cast<uint32_t>(n);
  loaded_ = true;
  return Status::Ok();
}

void Dictionary::Clear() {
  page_.clear();
  offsets_.clear();
  count_ = 0;
  loaded_ = false;
}

void Dictionary::Get(uint32_t index, PhysicalValue* v) const {
  if (type_ == PhysicalType::kBoolean) {
    v->b = (static_cast<uint8_t>(page_[index / 8]) >> (index % 8)) & 1;
  } else if (type_ == PhysicalType::kByteArray) {
    const uint32_t at = offsets_[index];
    v->bytes = std::string_view(page_.data() + at + 4, LoadLe<uint32_t>(page_.data() + at));
  } else {
    DecodeFixed(type_, page_.data() + static_cast<size_t>(index) * width_, width_, v);
  }
}

Status ValueDecoder::Init(PhysicalType type, int32_t type_length, Encoding encoding,
                          std::string_view values, const Dictionary* dictionary,
                          uint64_t max_values) {
  type_ = type;
  width_ = PlainWidth(type, type_length);
  encoding_ = encoding;
  data_ = values;
  pos_ = 0;
  index_ = 0;
  dictionary_ = dictionary;
  const bool integers = type == PhysicalType::kInt32 || type == PhysicalType::kInt64;
  switch (encoding) {
    case Encoding::kPlain: return Status::Ok();
    case Encoding::kPlainDictionary:
    case Encoding::kRleDictionary:
      if (dictionary == nullptr || !dictionary->loaded()) {
        return DataLossError("dictionary-encoded page without a dictionary page");
      }
      if (values.empty()) return Status::Ok();  // a page of nulls only
      if (static_cast<uint8_t>(values[0]) > 32) {
        return DataLossError("dictionary indices of bit width " +
                             std::to_string(static_cast<uint8_t>(values[0])));
      }
      rle_ = RleHybridDecoder(values.substr(1), static_cast<uint8_t>(values[0]));
      return Status::Ok();
    case Encoding::kRle:
      if (type != PhysicalType::kBoolean) break;
      if (values.size() < 4 || LoadLe<uint32_t>(values.data()) > values.size() - 4) {
        return DataLossError("RLE booleans with a length beyond the page");
      }
      rle_ = RleHybridDecoder(values.substr(4, LoadLe<uint32_t>(values.data())), 1);
      return Status::Ok();
    case Encoding::kDeltaBinaryPacked:
      if (!integers) break;
      return integers_.Init(values, max_values);
    case Encoding::kDeltaLengthByteArray:
    case Encoding::kDeltaByteArray: return InitDelta(values, max_values);
    case Encoding::kByteStreamSplit:
      if (width_ <= 0 || values.size() % static_cast<size_t>(width_) != 0) break;
      split_count_ = values.size() / static_cast<size_t>(width_);
      return Status::Ok();
    default: break;
  }
  return UnimplementedError("values encoded as " + EncodingName(encoding) + " are not read");
}

// DELTA_LENGTH_BYTE_ARRAY: the lengths, then the bytes. DELTA_BYTE_ARRAY: the prefix lengths,
// the suffix lengths, then the suffixes' bytes.
Status ValueDecoder::InitDelta(std::string_view values, uint64_t max_values) {
  const bool delta_length = encoding_ == Encoding::kDeltaLengthByteArray;
  if (type_ != PhysicalType::kByteArray &&
      (delta_length || type_ != PhysicalType::kFixedLenByteArray)) {
    return UnimplementedError("values encoded as " + EncodingName(encoding_) + " are not read");
  }
  size_t end = 0;
  SLUICE_RETURN_IF_ERROR(integers_.Init(values, max_values));
  SLUICE_RETURN_IF_ERROR(integers_.End(&end));
  if (!delta_length) {
    size_t suffixes_end = 0;
    SLUICE_RETURN_IF_ERROR(suffixes_.Init(values.substr(end), max_values));
    SLUICE_RETURN_IF_ERROR(suffixes_.End(&suffixes_end));
    end += suffixes_end;
  }
  data_ = values.substr(end);
  value_.clear();
  return Status::Ok();
}

Status ValueDecoder::Exhausted() const {
  return DataLossError("page values end after " + std::to_string(index_) + " values");
}

Status ValueDecoder::NextPlain(PhysicalValue* v) {
  const size_t left = data_.size() - pos_;
  if (type_ == PhysicalType::kBoolean) {
    if (index_ / 8 >= data_.size()) return Exhausted();
    v->b = (static_cast<uint8_t>(data_[index_ / 8]) >> (index_ % 8)) & 1;
  } else if (type_ == PhysicalType::kByteArray) {
    if (left < 4 || left - 4 < LoadLe<uint32_t>(data_.data() + pos_)) return Exhausted();
    const uint32_t n = LoadLe<uint32_t>(data_.data() + pos_);
    v->bytes = std::string_view(data_.data() + pos_ + 4, n);
    pos_ += 4 + static_cast<size_t>(n);
  } else {
    if (width_ <= 0 || left < static_cast<size_t>(width_)) return Exhausted();
    DecodeFixed(type_, data_.data() + pos_, width_, v);
    pos_ += static_cast<size_t>(width_);
  }
  ++index_;
  return Status::Ok();
}

Status ValueDecoder::NextDeltaBytes(PhysicalValue* v) {
  int64_t prefix = 0;
  int64_t length = 0;
  if (encoding_ == Encoding::kDeltaByteArray) {
    SLUICE_RETURN_IF_ERROR(integers_.Next(&prefix));
    SLUICE_RETURN_IF_ERROR(suffixes_.Next(&length));
  } else {
    SLUICE_RETURN_IF_ERROR(integers_.Next(&length));
  }
  if (prefix < 0 || static_cast<uint64_t>(prefix) > value_.size() || length < 0 ||
      static_cast<uint64_t>(length) > data_.size() - pos_) {
    return DataLossError("value " + std::to_string(index_) + " of prefix " +
                         std::to_string(prefix) + " and length " + std::to_string(length) +
                         " beyond the page");
  }
  const std::string_view bytes = data_.substr(pos_, static_cast<size_t>(length));
  pos_ += static_cast<size_t>(length);
  ++index_;
  if (encoding_ == Encoding::kDeltaLengthByteArray) {
    v->bytes = bytes;
    return Status::Ok();
  }
  value_.resize(static_cast<size_t>(prefix));
  value_.append(bytes);
  if (type_ == PhysicalType::kFixedLenByteArray && value_.size() != static_cast<size_t>(width_)) {
    return DataLossError("value of " + std::to_string(value_.size()) + " bytes in a column of " +
                         std::to_string(width_));
  }
  v->bytes = value_;
  return Status::Ok();
}

// Byte k of value i is byte i of stream k; the page holds width streams of split_count_ bytes.
Status ValueDecoder::NextSplit(PhysicalValue* v) {
  if (index_ >= split_count_) return Exhausted();
  value_.resize(static_cast<size_t>(width_));
  for (int32_t k = 0; k < width_; ++k) value_[k] = data_[k * split_count_ + index_];
  ++index_;
  DecodeFixed(type_, value_.data(), width_, v);
  return Status::Ok();
}

Status ValueDecoder::Next(PhysicalValue* v) {
  switch (encoding_) {
    case Encoding::kPlain: return NextPlain(v);
    case Encoding::kDeltaBinaryPacked: {
      SLUICE_RETURN_IF_ERROR(integers_.Next(&v->i));
      if (type_ == PhysicalType::kInt32) v->i = static_cast<int32_t>(v->i);
      ++index_;
      return Status::Ok();
    }
    case Encoding::kDeltaLengthByteArray:
    case Encoding::kDeltaByteArray: return NextDeltaBytes(v);
    case Encoding::kByteStreamSplit: return NextSplit(v);
    default: break;
  }
  uint32_t x = 0;
  if (!rle_.Next(&x)) return Exhausted();
  ++index_;
  if (encoding_ == Encoding::kRle) {
    if (x > 1) return DataLossError("RLE boolean of value " + std::to_string(x));
    v->b = x == 1;
    return Status::Ok();
  }
  if (x >= dictionary_->size()) {
    return DataLossError("dictionary index " + std::to_string(x) + " beyond its " +
                         std::to_string(dictionary_->size()) + " entries");
  }
  dictionary_->Get(x, v);
  return Status::Ok();
}

}  // namespace sluice::format::parquet
