// Decoder of Parquet's RLE/bit-packed hybrid encoding (parquet-format Encodings.md, "RLE"):
// definition and repetition levels, dictionary indices and RLE booleans. The reading half of
// rle_encoder.h.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::format::parquet {

// Reads runs from borrowed bytes (no length prefix), one value at a time. A bit-packed run
// whose bytes end early yields the values its bytes hold. Never reads past the input; values are
// not checked against a maximum (the caller knows it). Not thread-safe; cheap to copy.
class RleHybridDecoder {
 public:
  RleHybridDecoder() = default;
  // REQUIRES: 0 <= bit_width <= 32.
  RleHybridDecoder(std::string_view data, int bit_width) : data_(data), bit_width_(bit_width) {}

  // The next value; false once the input holds no more (or a run header is malformed).
  bool Next(uint32_t* v) {
    if (rle_left_ > 0) {
      --rle_left_;
      *v = rle_value_;
      return true;
    }
    if (buf_pos_ < buf_len_) {
      *v = buf_[buf_pos_++];
      return true;
    }
    return Refill() && Next(v);
  }

 private:
  // Starts the next run or unpacks the next group of 8; false at the end of the input.
  bool Refill();
  void UnpackGroup();

  std::string_view data_;
  size_t pos_ = 0;
  int bit_width_ = 0;
  uint64_t rle_left_ = 0;
  uint32_t rle_value_ = 0;
  uint64_t packed_left_ = 0;  // values of the current bit-packed run not yet unpacked
  uint32_t buf_[8] = {};
  int buf_pos_ = 0;
  int buf_len_ = 0;
};

}  // namespace sluice::format::parquet
