#include "bench/gen/text.h"

#include <gtest/gtest.h>

#include "bench/gen/random.h"
#include "bench/gen/span_content.h"
#include "common/json.h"
#include "common/uuid.h"

namespace sluice::bench {
namespace {

TEST(AppendText, EscapedSizeIsExactlyWhatWasAskedFor) {
  Rng rng(3);
  for (size_t n : {0, 1, 2, 3, 17, 100, 999, 8192}) {
    std::string text;
    AppendText(rng, n, text);
    EXPECT_EQ(EscapedSize(text), n) << text;
  }
}

TEST(AppendText, WritesWordsAndParagraphs) {
  Rng rng(5);
  std::string text;
  AppendText(rng, 4000, text);
  EXPECT_NE(text.find(". "), std::string::npos);
  EXPECT_NE(text.find('\n'), std::string::npos);
  EXPECT_GT(EscapedSize(text), text.size());  // newlines count twice once escaped
}

TEST(SpanContent, ValuesAreJsonOfTheExactSize) {
  Rng rng(11);
  for (SpanKind kind :
       {SpanKind::kTask, SpanKind::kLlm, SpanKind::kTool, SpanKind::kFunction, SpanKind::kScore}) {
    for (size_t n : {kMinTextBytes, size_t{101}, size_t{640}, kMaxTextBytes}) {
      for (const std::string& v : {MakeInput(kind, n, rng), MakeOutput(kind, n, rng)}) {
        EXPECT_EQ(v.size(), n) << v;
        auto canonical = CanonicalizeJson(v);
        ASSERT_TRUE(canonical.ok()) << v;
        EXPECT_EQ(*canonical, v);
      }
    }
  }
}

TEST(RandomUuid, IsACanonicalVersion4Uuid) {
  Rng rng(1);
  const std::string a = RandomUuid(rng);
  EXPECT_TRUE(IsUuid(a)) << a;
  EXPECT_EQ(a[14], '4');
  EXPECT_NE(a, RandomUuid(rng));
}

TEST(WeightedChoice, FollowsTheWeights) {
  Rng rng(9);
  WeightedChoice c({1, 0, 3});
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 40000; ++i) ++counts[c.Pick(rng)];
  EXPECT_EQ(counts[1], 0);
  EXPECT_NEAR(counts[2] / 40000.0, 0.75, 0.02);
}

}  // namespace
}  // namespace sluice::bench
