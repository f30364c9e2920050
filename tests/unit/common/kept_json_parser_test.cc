#include "common/kept_json_parser.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/kept_buffer.h"

namespace sluice {
namespace {

std::string Minified(KeptJsonParser& parser, std::string_view text) {
  simdjson::dom::element root;
  if (auto err = parser.Parse(text).get(root)) return std::string("error: ") + error_message(err);
  return simdjson::minify(root);
}

// One parser reads documents of growing and shrinking sizes, each as itself: nothing of a longer
// document before it shows through, and a bad one in between changes nothing after it.
TEST(KeptJsonParser, EachDocumentIsReadAloneWhateverCameBefore) {
  KeptJsonParser parser;
  const std::string big = "[\"" + std::string(100'000, 'x') + "\",1,2,3]";
  EXPECT_EQ(Minified(parser, R"({"a":1})"), R"({"a":1})");
  EXPECT_EQ(Minified(parser, big), big);
  EXPECT_EQ(Minified(parser, "[1, 2]"), "[1,2]");
  // A prefix of the big document: the bytes after it in the kept copy are not read.
  EXPECT_EQ(Minified(parser, std::string_view(big).substr(0, 10)).substr(0, 7), "error: ");
  EXPECT_EQ(Minified(parser, "{\"b\":").substr(0, 7), "error: ");
  EXPECT_EQ(Minified(parser, "").substr(0, 7), "error: ");
  const std::string bigger = "{\"k\":\"" + std::string(300'000, 'y') + "\"}";
  EXPECT_EQ(Minified(parser, bigger), bigger);
  EXPECT_EQ(Minified(parser, "true"), "true");
  // Past kKeptBytes the buffers are given back, and grown again when needed.
  const std::string huge = "[\"" + std::string(KeptJsonParser::kKeptBytes + 10, 'z') + "\"]";
  EXPECT_EQ(Minified(parser, huge), huge);
  EXPECT_GT(parser.largest_kept_buffer(), KeptJsonParser::kKeptBytes);
  EXPECT_EQ(Minified(parser, "[3]"), "[3]");
  EXPECT_LE(parser.largest_kept_buffer(), KeptJsonParser::kKeptBytes + simdjson::SIMDJSON_PADDING);
  EXPECT_EQ(Minified(parser, huge), huge);
  EXPECT_EQ(Minified(parser, std::string_view()).substr(0, 7), "error: ");
}

// A document of up to kKeptBytes keeps its padded copy for the next one too: one just under it
// no longer allocates a copy of twice its size for each request and gives it back after.
TEST(KeptJsonParser, ADocumentOfTheKeptSizeKeepsItsCopy) {
  KeptJsonParser parser;
  const std::string at_most = "[\"" + std::string(KeptJsonParser::kKeptBytes - 10, 'z') + "\"]";
  ASSERT_LE(at_most.size(), KeptJsonParser::kKeptBytes);
  ASSERT_GT(at_most.size() + simdjson::SIMDJSON_PADDING, KeptJsonParser::kKeptBytes);
  EXPECT_EQ(Minified(parser, at_most), at_most);
  // The copy (the padding past kKeptBytes) is the largest buffer kept.
  EXPECT_GT(parser.largest_kept_buffer(), KeptJsonParser::kKeptBytes);
  EXPECT_LE(parser.largest_kept_buffer(), KeptJsonParser::kKeptBytes + simdjson::SIMDJSON_PADDING);
  EXPECT_EQ(Minified(parser, "[1]"), "[1]");
  EXPECT_EQ(Minified(parser, at_most), at_most);
}

// Kept buffers, strings and vectors alike, keep their storage up to kKeptBufferBytes and give
// back what grew past it.
TEST(GiveBackIfLarge, KeepsSmallBuffersAndFreesLargeOnes) {
  std::string small(1000, 'x');
  std::string large(kKeptBufferBytes + 1, 'x');
  std::vector<uint64_t> small_list(1000);
  std::vector<uint64_t> large_list(kKeptBufferBytes / sizeof(uint64_t) + 1);
  GiveBackIfLarge(small);
  GiveBackIfLarge(large);
  GiveBackIfLarge(small_list);
  GiveBackIfLarge(large_list);
  EXPECT_EQ(small.size(), 1000u);
  EXPECT_EQ(large.capacity(), std::string().capacity());
  EXPECT_EQ(small_list.size(), 1000u);
  EXPECT_EQ(large_list.capacity(), 0u);
}

}  // namespace
}  // namespace sluice
