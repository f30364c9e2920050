// Parquet's RLE/bit-packed hybrid encoding (parquet-format Encodings.md, "RLE"), used for
// definition and repetition levels and for dictionary indices, plus bit-packed booleans.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace sluice::format::parquet {

// Bits needed to store values 0..max_value (0 for max_value 0).
int BitWidth(uint64_t max_value);

// Appends `values` encoded as RLE/bit-packed hybrid runs of `bit_width` bits (no length
// prefix): runs of 8 or more equal values become RLE runs, the rest bit-packed groups of 8
// (the last group padded with zeros). REQUIRES: every value fits in bit_width bits; bit_width
// <= 32.
void AppendRleHybrid(std::span<const uint32_t> values, int bit_width, std::string* out);

// Appends values as one bit-packed sequence, LSB first, 8 values per group of bit_width bytes;
// the last group is padded with zeros.
void AppendBitPacked(std::span<const uint32_t> values, int bit_width, std::string* out);

}  // namespace sluice::format::parquet
