// Decoder of Parquet's DELTA_BINARY_PACKED encoding (parquet-format Encodings.md): a header
// (block size, miniblocks per block, value count, first value), then blocks of a minimum delta,
// one bit width per miniblock and the miniblocks' bit-packed deltas. Also the building block of
// DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY, whose byte data starts where the integers end.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace sluice::format::parquet {

// Reads values one at a time from borrowed bytes, without allocating; values wrap around as
// 64-bit integers (an INT32 column keeps the low 32 bits). Not thread-safe.
class DeltaBinaryPackedDecoder {
 public:
  // Reads the header. kDataLoss when it is malformed (block size not a multiple of 128,
  // miniblocks not of a multiple of 32 values, a count beyond `max_values`).
  Status Init(std::string_view data, uint64_t max_values);
  // The number of values the header announces.
  uint64_t count() const { return count_; }
  // The next value. kDataLoss when the bytes end early or a bit width is above 64.
  Status Next(int64_t* v);
  // Where the encoded values end, found by walking the block headers (not the values).
  // kDataLoss as Next.
  Status End(size_t* end) const;

 private:
  // Starts the block at pos_: its minimum delta and bit widths.
  Status StartBlock();

  std::string_view data_;
  size_t header_end_ = 0;
  size_t pos_ = 0;  // the next block's start
  uint64_t block_values_ = 0;
  uint64_t miniblocks_ = 0;
  uint64_t per_miniblock_ = 0;
  uint64_t count_ = 0;
  uint64_t returned_ = 0;
  uint64_t last_ = 0;
  int64_t min_delta_ = 0;
  size_t widths_at_ = 0;     // the current block's bit widths
  size_t miniblock_at_ = 0;  // the current miniblock's bytes
  uint64_t in_block_ = 0;    // values of the current block read so far
  bool in_a_block_ = false;
};

}  // namespace sluice::format::parquet
