#include "format/parquet/rle_encoder.h"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::format::parquet {
namespace {

std::string Hex(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

// A reference decoder of the hybrid format, to check round trips.
std::vector<uint32_t> Decode(const std::string& in, int width, size_t n) {
  std::vector<uint32_t> out;
  size_t p = 0;
  while (out.size() < n && p < in.size()) {
    uint64_t header = 0;
    int shift = 0;
    while (true) {
      uint8_t b = static_cast<uint8_t>(in[p++]);
      header |= static_cast<uint64_t>(b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    if (header & 1) {
      size_t count = (header >> 1) * 8;
      uint64_t bit = 0;
      for (size_t k = 0; k < count; ++k) {
        uint32_t v = 0;
        for (int b = 0; b < width; ++b, ++bit) {
          v |= ((static_cast<uint8_t>(in[p + bit / 8]) >> (bit % 8)) & 1u) << b;
        }
        out.push_back(v);
      }
      p += count * width / 8;
    } else {
      uint32_t v = 0;
      for (int b = 0; b < (width + 7) / 8; ++b) v |= static_cast<uint8_t>(in[p++]) << (8 * b);
      for (uint64_t k = 0; k < (header >> 1); ++k) out.push_back(v);
    }
  }
  out.resize(n);
  return out;
}

TEST(RleEncoder, BitWidth) {
  EXPECT_EQ(BitWidth(0), 0);
  EXPECT_EQ(BitWidth(1), 1);
  EXPECT_EQ(BitWidth(2), 2);
  EXPECT_EQ(BitWidth(255), 8);
  EXPECT_EQ(BitWidth(256), 9);
}

TEST(RleEncoder, SpecExampleBitPacking) {
  // The spec's example: 0..7 with bit width 3.
  std::vector<uint32_t> v = {0, 1, 2, 3, 4, 5, 6, 7};
  std::string out;
  AppendBitPacked(v, 3, &out);
  EXPECT_EQ(Hex(out), "88c6fa");
}

TEST(RleEncoder, LongRunBecomesOneRleRun) {
  std::vector<uint32_t> v(1000, 1);
  std::string out;
  AppendRleHybrid(v, 1, &out);
  EXPECT_EQ(Hex(out), "d00f01");  // varint(2000), value 1
}

TEST(RleEncoder, MixedRunsRoundTrip) {
  std::vector<uint32_t> v;
  for (int k = 0; k < 3; ++k) v.push_back(k % 2);
  for (int k = 0; k < 20; ++k) v.push_back(2);
  for (int k = 0; k < 1500; ++k) v.push_back((k * 7) % 5);
  for (int k = 0; k < 9; ++k) v.push_back(4);
  v.push_back(3);
  std::string out;
  AppendRleHybrid(v, 3, &out);
  EXPECT_EQ(Decode(out, 3, v.size()), v);
}

TEST(RleEncoder, WideValuesRoundTrip) {
  std::vector<uint32_t> v;
  for (uint32_t k = 0; k < 777; ++k) v.push_back((k * 2654435761u) % 100000);
  std::string out;
  AppendRleHybrid(v, 17, &out);
  EXPECT_EQ(Decode(out, 17, v.size()), v);
}

}  // namespace
}  // namespace sluice::format::parquet
