#include "format/parquet/byte_array_dictionary.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::format::parquet {
namespace {

std::string Plain(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& v : values) {
    uint32_t n = static_cast<uint32_t>(v.size());
    for (int b = 0; b < 4; ++b) out.push_back(static_cast<char>((n >> (8 * b)) & 0xFF));
    out += v;
  }
  return out;
}

TEST(ByteArrayDictionary, NumbersValuesInFirstSeenOrderAsPlainBytes) {
  ByteArrayDictionary d;
  std::string nul("a\0b", 3);
  std::vector<std::string> inputs = {"org", "", "org", nul, "a", "", nul, "org"};
  std::vector<uint32_t> indices;
  std::vector<bool> added;
  for (const std::string& v : inputs) {
    ByteArrayDictionary::Entry e = d.Add(v);
    indices.push_back(e.index);
    added.push_back(e.added);
  }
  EXPECT_EQ(indices, (std::vector<uint32_t>{0, 1, 0, 2, 3, 1, 2, 0}));
  EXPECT_EQ(added, (std::vector<bool>{true, true, false, true, true, false, false, false}));
  EXPECT_EQ(d.size(), 4u);
  EXPECT_EQ(d.plain(), Plain({"org", "", nul, "a"}));
}

TEST(ByteArrayDictionary, KeepsEveryIndexAcrossGrowth) {
  ByteArrayDictionary d;
  constexpr uint32_t kDistinct = 50'000;
  for (uint32_t k = 0; k < kDistinct; ++k) {
    ASSERT_EQ(d.Add("value-" + std::to_string(k * 7919 % kDistinct)).index, k);
  }
  for (uint32_t k = 0; k < kDistinct; ++k) {
    ByteArrayDictionary::Entry e = d.Add("value-" + std::to_string(k * 7919 % kDistinct));
    ASSERT_EQ(e.index, k);
    ASSERT_FALSE(e.added);
  }
  EXPECT_EQ(d.size(), kDistinct);
}

TEST(ByteArrayDictionary, TakePlainStartsAnEmptyDictionary) {
  ByteArrayDictionary d;
  d.Add("x");
  d.Add("y");
  EXPECT_EQ(d.TakePlain(), Plain({"x", "y"}));
  EXPECT_EQ(d.size(), 0u);
  EXPECT_TRUE(d.plain().empty());
  ByteArrayDictionary::Entry e = d.Add("y");
  EXPECT_EQ(e.index, 0u);
  EXPECT_TRUE(e.added);
}

}  // namespace
}  // namespace sluice::format::parquet
