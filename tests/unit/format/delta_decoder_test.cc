// DELTA_BINARY_PACKED on the examples of parquet-format's Encodings.md and on blocks whose
// bytes end early.
#include "format/parquet/delta_decoder.h"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::format::parquet {
namespace {

std::vector<int64_t> DecodeAll(std::string_view bytes, Status* status) {
  DeltaBinaryPackedDecoder d;
  *status = d.Init(bytes, 1000);
  std::vector<int64_t> out;
  for (uint64_t k = 0; status->ok() && k < d.count(); ++k) {
    int64_t v = 0;
    *status = d.Next(&v);
    if (status->ok()) out.push_back(v);
  }
  return out;
}

TEST(DeltaBinaryPackedDecoder, SpecExampleOneToFive) {
  // Block of 128 values in 4 miniblocks, 5 values, first 1; min delta 1, every width 0.
  const std::string bytes("\x80\x01\x04\x05\x02\x02\x00\x00\x00\x00", 10);
  Status s;
  EXPECT_EQ(DecodeAll(bytes, &s), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_TRUE(s.ok()) << s.ToString();
  DeltaBinaryPackedDecoder d;
  ASSERT_TRUE(d.Init(bytes + "rest", 10).ok());
  size_t end = 0;
  ASSERT_TRUE(d.End(&end).ok());
  EXPECT_EQ(end, bytes.size());
}

TEST(DeltaBinaryPackedDecoder, SpecExampleWithNegativeDeltas) {
  // 7, 5, 3, 1, 2, 3, 4, 5: deltas -2 -2 -2 1 1 1 1, min delta -2, so 0 0 0 3 3 3 3 in 2 bits.
  std::string bytes("\x80\x01\x04\x08\x0e\x03\x02\x00\x00\x00", 10);
  // Miniblock 0: 32 values of 2 bits, LSB first: 0,0,0,3,3,3,3 then padding.
  bytes += std::string("\xc0\xff", 2) + std::string(6, '\0');
  Status s;
  EXPECT_EQ(DecodeAll(bytes, &s), (std::vector<int64_t>{7, 5, 3, 1, 2, 3, 4, 5}));
  EXPECT_TRUE(s.ok()) << s.ToString();
  DeltaBinaryPackedDecoder d;
  ASSERT_TRUE(d.Init(bytes, 10).ok());
  size_t end = 0;
  ASSERT_TRUE(d.End(&end).ok());
  EXPECT_EQ(end, bytes.size());
}

TEST(DeltaBinaryPackedDecoder, CutShortOrMalformed) {
  std::string bytes("\x80\x01\x04\x08\x0e\x03\x02\x00\x00\x00\xc0\xff", 12);  // miniblock cut
  Status s;
  DecodeAll(bytes, &s);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  DeltaBinaryPackedDecoder d;
  EXPECT_FALSE(d.Init(std::string("\x81\x01\x04\x08\x0e", 5), 10).ok());  // 129-value blocks
  EXPECT_FALSE(d.Init(std::string("\x80\x01\x03\x08\x0e", 5), 10).ok());  // 3 miniblocks
  std::string wide("\x80\x01\x04\x03\x00\x00\x41\x00\x00\x00", 10);       // width 65
  DecodeAll(wide, &s);
  EXPECT_NE(s.message().find("bit width 65"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace sluice::format::parquet
