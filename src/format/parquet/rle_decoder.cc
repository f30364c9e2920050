#include "format/parquet/rle_decoder.h"

#include <algorithm>

namespace sluice::format::parquet {

void RleHybridDecoder::UnpackGroup() {
  const size_t bytes_left = data_.size() - pos_;
  const uint64_t mask = bit_width_ == 32 ? 0xFFFFFFFFu : (uint64_t{1} << bit_width_) - 1;
  // A group holds 8 values in bit_width bytes; a short last group holds what its bytes do.
  const uint64_t want = std::min<uint64_t>(8, packed_left_);
  uint64_t n = want;
  if (bit_width_ > 0) n = std::min<uint64_t>(n, bytes_left * 8 / bit_width_);
  uint64_t acc = 0;
  int bits = 0;
  size_t p = pos_;
  for (uint64_t k = 0; k < n; ++k) {
    while (bits < bit_width_) {
      acc |= static_cast<uint64_t>(static_cast<uint8_t>(data_[p++])) << bits;
      bits += 8;
    }
    buf_[k] = static_cast<uint32_t>(acc & mask);
    acc >>= bit_width_;
    bits -= bit_width_;
  }
  buf_pos_ = 0;
  buf_len_ = static_cast<int>(n);
  packed_left_ = n < want ? 0 : packed_left_ - want;
  pos_ = std::min(data_.size(), pos_ + static_cast<size_t>(bit_width_));
}

bool RleHybridDecoder::Refill() {
  while (true) {
    if (packed_left_ > 0) {
      UnpackGroup();
      if (buf_len_ > 0) return true;
      packed_left_ = 0;
      continue;
    }
    if (pos_ >= data_.size()) return false;
    uint64_t header = 0;
    for (int shift = 0;; shift += 7) {
      if (pos_ >= data_.size() || shift > 28) return false;
      const auto b = static_cast<uint8_t>(data_[pos_++]);
      header |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) break;
    }
    if (header & 1) {
      packed_left_ = (header >> 1) * 8;
      continue;
    }
    const size_t value_bytes = (static_cast<size_t>(bit_width_) + 7) / 8;
    if (data_.size() - pos_ < value_bytes) return false;
    rle_value_ = 0;
    for (size_t b = 0; b < value_bytes; ++b) {
      rle_value_ |= static_cast<uint32_t>(static_cast<uint8_t>(data_[pos_++])) << (8 * b);
    }
    rle_left_ = header >> 1;
    if (rle_left_ > 0) return true;
  }
}

}  // namespace sluice::format::parquet
