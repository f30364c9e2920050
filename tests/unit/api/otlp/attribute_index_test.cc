// AttributeIndex: lookups by key over one span's attributes, repeated keys, prefixes and the
// attributes left for metadata.
#include "api/otlp/attribute_index.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace sluice::api::otlp {
namespace {

// A request whose first span's attributes have these keys; each value's int is its position.
// A key ending in "{}" is a kvlist with one member, so the range steps over nested values.
class Attributes {
 public:
  explicit Attributes(std::vector<std::string> keys) : keys_(std::move(keys)) {
    for (size_t i = 0; i < keys_.size(); ++i) {
      Value v;
      v.key = keys_[i];
      v.kind = ValueKind::kInt;
      v.int_value = static_cast<int64_t>(i);
      if (keys_[i].ends_with("{}")) {
        v.kind = ValueKind::kKvList;
        v.subtree = 2;
        request_.values.push_back(v);
        Value member;
        member.key = "member";
        member.kind = ValueKind::kInt;
        member.int_value = -1;
        request_.values.push_back(member);
        continue;
      }
      request_.values.push_back(v);
    }
  }
  AttributeIndex Index() const {
    return AttributeIndex(request_, {0, static_cast<uint32_t>(request_.values.size())});
  }
  // The positions of values at these indices.
  std::vector<int64_t> Positions(const std::vector<uint32_t>& indices) const {
    std::vector<int64_t> out;
    for (uint32_t i : indices) out.push_back(request_.values[i].int_value);
    return out;
  }
  int64_t Position(std::optional<uint32_t> index) const {
    return index ? request_.values[*index].int_value : -2;
  }

 private:
  std::vector<std::string> keys_;
  DecodedRequest request_;
};

TEST(AttributeIndex, FindsEachKeyAndNothingElse) {
  Attributes a({"gen_ai.system", "model{}", "gen_ai.request.model", "x"});
  AttributeIndex index = a.Index();
  EXPECT_EQ(a.Position(index.Find("gen_ai.system")), 0);
  EXPECT_EQ(a.Position(index.Find("model{}")), 1);
  EXPECT_EQ(a.Position(index.Find("gen_ai.request.model")), 2);
  EXPECT_EQ(a.Position(index.Find("x")), 3);
  EXPECT_FALSE(index.Find("member"));  // nested in a kvlist, not an attribute
  EXPECT_FALSE(index.Find("gen_ai"));
  EXPECT_FALSE(index.Find(""));
  EXPECT_EQ(a.Positions(index.Left()), (std::vector<int64_t>{0, 1, 2, 3}));
}

TEST(AttributeIndex, ARepeatedKeyFindsTheLastAndTakingItTakesEvery) {
  Attributes a({"k", "other", "k", "k", "last"});
  AttributeIndex index = a.Index();
  EXPECT_EQ(a.Position(index.Find("k")), 3);
  EXPECT_EQ(a.Position(index.Take("k")), 3);
  EXPECT_EQ(a.Positions(index.Left()), (std::vector<int64_t>{1, 4}));
  index.MarkTaken("last");
  index.MarkTaken("absent");
  EXPECT_EQ(a.Positions(index.Left()), (std::vector<int64_t>{1}));
  EXPECT_EQ(a.Position(index.Find("k")), 3);  // taken keys are still found
}

TEST(AttributeIndex, PrefixesListInKeyOrderThenRequestOrder) {
  Attributes a({"gen_ai.prompt.1.content", "gen_ai.prompt.0.role", "gen_ai.promptx",
                "gen_ai.prompt.0.content", "llm.prompt.0.role", "gen_ai.prompt.0.role"});
  AttributeIndex index = a.Index();
  EXPECT_EQ(a.Positions(index.WithPrefix("gen_ai.prompt.")), (std::vector<int64_t>{3, 1, 5, 0}));
  EXPECT_TRUE(index.WithPrefix("nothing.").empty());
}

TEST(AttributeIndex, ThousandsOfAttributesAreEachFound) {
  std::vector<std::string> keys;
  for (int i = 0; i < 10'000; ++i) keys.push_back("attribute." + std::to_string(i));
  Attributes a(keys);
  AttributeIndex index = a.Index();
  for (int i = 0; i < 10'000; i += 7) {
    ASSERT_EQ(a.Position(index.Take("attribute." + std::to_string(i))), i);
  }
  EXPECT_FALSE(index.Find("attribute.10000"));
  EXPECT_EQ(index.Left().size(), 10'000u - 1'429u);
}

TEST(AttributeIndex, KeysThatDifferOnlyInTheMiddleAreEachFound) {
  // The indexed message keys of GenAI spans: same length, same first and last bytes.
  std::vector<std::string> keys;
  for (int i = 0; i < 1'000; ++i) {
    char key[64];
    std::snprintf(key, sizeof(key), "gen_ai.prompt.%03d.content", i);
    keys.push_back(key);
  }
  keys.push_back("");  // a KeyValue without its key
  Attributes a(keys);
  AttributeIndex index = a.Index();
  for (int i = 0; i < 1'000; ++i) {
    ASSERT_EQ(a.Position(index.Find(keys[i])), i) << keys[i];
  }
  EXPECT_EQ(a.Position(index.Find("")), 1'000);
  EXPECT_FALSE(index.Find("gen_ai.prompt.1000.content"));
  EXPECT_EQ(index.WithPrefix("gen_ai.prompt.").size(), 1'000u);
}

}  // namespace
}  // namespace sluice::api::otlp
