#include "format/compression.h"

#include <gtest/gtest.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <string>
#include <vector>

namespace sluice::format {
namespace {

std::string Decompress(Compression codec, const std::string& block, size_t size) {
  std::string out(size, '\0');
  switch (codec) {
    case Compression::kZstd: {
      size_t rc = ZSTD_decompress(out.data(), out.size(), block.data(), block.size());
      if (ZSTD_isError(rc)) return "zstd error";
      out.resize(rc);
      return out;
    }
    case Compression::kGzip: {
      z_stream zs{};
      inflateInit2(&zs, 15 + 16);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(block.data()));
      zs.avail_in = static_cast<uInt>(block.size());
      zs.next_out = reinterpret_cast<Bytef*>(out.data());
      zs.avail_out = static_cast<uInt>(out.size());
      int rc = inflate(&zs, Z_FINISH);
      out.resize(zs.total_out);
      bool ended = rc == Z_STREAM_END && zs.avail_in == 0;  // one whole member, nothing after
      inflateEnd(&zs);
      return ended ? out : "gzip error";
    }
    case Compression::kSnappy:
      out.clear();
      return snappy::Uncompress(block.data(), block.size(), &out) ? out : "snappy error";
    case Compression::kNone: return block;
  }
  return "";
}

class BlockCompressorTest : public ::testing::TestWithParam<Compression> {};

// A compressor keeps its codec state between blocks; each block must still decode on its own
// (a Parquet reader decompresses every page separately) and match a one-off CompressBlock.
TEST_P(BlockCompressorTest, EveryBlockDecodesOnItsOwn) {
  std::vector<std::string> blocks = {std::string(200'000, 'a') + "tail", "", "short block",
                                     std::string(70'000, '\0')};
  for (int k = 0; k < 50'000; ++k) blocks.back()[k * 7 % 70'000] = static_cast<char>(k % 251);
  blocks.push_back(blocks[0]);  // the same bytes again must not refer to the previous block
  BlockCompressor compressor(GetParam(), 0);
  for (const std::string& input : blocks) {
    std::string block;
    ASSERT_TRUE(compressor.Compress(input, &block).ok());
    EXPECT_EQ(Decompress(GetParam(), block, input.size() + 1), input);
    std::string one_off;
    ASSERT_TRUE(CompressBlock(GetParam(), input, 0, &one_off).ok());
    EXPECT_EQ(block, one_off);
  }
}

// Every zstd level gives frames that zstd's own decoder reads back, pages of 1 MiB and small
// ones alike, and the default level is level 3 (the same bytes).
TEST(BlockCompressor, ZstdFramesAtEveryLevelDecodeAndTheDefaultIsLevelThree) {
  std::string page;
  for (int i = 0; page.size() < (1u << 20); ++i) {
    page += R"({"input":{"question":"what is )" + std::to_string(i * 7919 % 1000) +
            R"("},"output":"the answer is )" + std::to_string(i % 97) + R"("})";
  }
  for (const std::string& input : {page, page.substr(0, 3000)}) {
    std::string default_level;
    ASSERT_TRUE(BlockCompressor(Compression::kZstd, 0).Compress(input, &default_level).ok());
    for (int level : {1, 3, 9, 19}) {
      std::string block;
      ASSERT_TRUE(BlockCompressor(Compression::kZstd, level).Compress(input, &block).ok());
      EXPECT_LT(block.size(), input.size()) << "level " << level;
      EXPECT_EQ(Decompress(Compression::kZstd, block, input.size() + 1), input) << level;
      if (level == 3) {
        EXPECT_EQ(block, default_level);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, BlockCompressorTest,
                         ::testing::Values(Compression::kNone, Compression::kZstd,
                                           Compression::kSnappy, Compression::kGzip),
                         [](const auto& info) { return std::string(CompressionName(info.param)); });

}  // namespace
}  // namespace sluice::format
