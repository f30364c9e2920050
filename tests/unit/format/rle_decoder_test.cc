// The RLE/bit-packed hybrid decoder on what the encoder writes, at every bit width, and on runs
// whose bytes end early.
#include "format/parquet/rle_decoder.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "format/parquet/rle_encoder.h"

namespace sluice::format::parquet {
namespace {

std::vector<uint32_t> DecodeAll(const std::string& bytes, int width, size_t max) {
  RleHybridDecoder d(bytes, width);
  std::vector<uint32_t> out;
  uint32_t v;
  while (out.size() < max && d.Next(&v)) out.push_back(v);
  return out;
}

TEST(RleHybridDecoder, RoundTripsEveryBitWidth) {
  std::mt19937 rng(5);
  for (int width = 0; width <= 32; ++width) {
    const uint64_t limit = width == 32 ? 0xFFFFFFFFull : (uint64_t{1} << width) - 1;
    std::vector<uint32_t> values;
    while (values.size() < 3000) {
      const auto v = static_cast<uint32_t>(limit == 0 ? 0 : rng() % (limit + 1));
      // Runs long enough to become RLE runs, mixed with single values that stay bit-packed.
      for (uint32_t k = 0, n = rng() % 3 == 0 ? 1 + rng() % 40 : 1; k < n; ++k) values.push_back(v);
    }
    std::string bytes;
    AppendRleHybrid(values, width, &bytes);
    EXPECT_EQ(DecodeAll(bytes, width, values.size()), values) << "width " << width;
  }
}

TEST(RleHybridDecoder, ShortBitPackedRunYieldsWhatItsBytesHold) {
  // A bit-packed run header for 2 groups (16 values) of width 3, with only 4 bytes after it.
  std::string bytes = std::string("\x05", 1) + std::string("\xff\xff\xff\xff", 4);
  std::vector<uint32_t> got = DecodeAll(bytes, 3, 100);
  EXPECT_EQ(got.size(), 10u);  // 8 in the first 3 bytes, 2 whole values in the last byte
  for (uint32_t v : got) EXPECT_EQ(v, 7u);
}

TEST(RleHybridDecoder, EmptyAndMalformedInputEnd) {
  EXPECT_TRUE(DecodeAll("", 1, 10).empty());
  EXPECT_TRUE(DecodeAll("\x80\x80\x80\x80\x80\x80", 1, 10).empty());  // unterminated header
  EXPECT_TRUE(DecodeAll(std::string("\x04", 1), 16, 10).empty());     // RLE run without value
}

}  // namespace
}  // namespace sluice::format::parquet
