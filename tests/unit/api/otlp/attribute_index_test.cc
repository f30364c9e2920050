// AttributeIndex: lookups by key over one span's attributes, repeated keys, prefixes and the
// attributes left for metadata.
#include "api/otlp/attribute_index.h"

#include <gtest/gtest.h>

#include <cctype>
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

// The value indices of the attributes not taken, in request order.
std::vector<uint32_t> Left(const AttributeIndex& index) {
  std::vector<uint32_t> out;
  index.ForEachLeft([&out](uint32_t v) { out.push_back(v); });
  return out;
}

TEST(AttributeIndex, FindsEachListedKeyAndNothingElse) {
  Attributes a({"gen_ai.system", "gen_ai.prompt{}", "gen_ai.request.model", "x",
                "gen_ai.request.modeL", "gen_ai.request.mode", ""});
  AttributeIndex index = a.Index();
  EXPECT_EQ(a.Position(index.Find("gen_ai.system")), 0);
  EXPECT_EQ(a.Position(index.Find("gen_ai.request.model")), 2);
  EXPECT_FALSE(index.Find("gen_ai.prompt"));  // "gen_ai.prompt{}" is another key
  EXPECT_FALSE(index.Find("gen_ai.operation.name"));
  EXPECT_EQ(a.Positions(Left(index)), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6}));
}

TEST(AttributeIndex, AListedKeyNestedInAMapIsNotAnAttribute) {
  // An attribute "outer" whose kvlist value has a member with a listed key.
  DecodedRequest r;
  Value outer;
  outer.key = "outer";
  outer.kind = ValueKind::kKvList;
  outer.subtree = 2;
  Value member;
  member.key = "gen_ai.system";
  member.kind = ValueKind::kInt;
  r.values = {outer, member};
  AttributeIndex index(r, {0, 2});
  EXPECT_FALSE(index.Find("gen_ai.system"));
  EXPECT_EQ(Left(index), (std::vector<uint32_t>{0}));
}

TEST(AttributeIndex, ARepeatedKeyFindsTheLastAndTakingItTakesEvery) {
  Attributes a({"gen_ai.system", "other", "gen_ai.system", "gen_ai.system", "gen_ai.prompt"});
  AttributeIndex index = a.Index();
  EXPECT_EQ(a.Position(index.Find("gen_ai.system")), 3);
  EXPECT_EQ(a.Position(index.Take("gen_ai.system")), 3);
  EXPECT_EQ(a.Positions(Left(index)), (std::vector<int64_t>{1, 4}));
  index.MarkTaken("gen_ai.prompt");
  index.MarkTaken("input.value");  // absent: nothing
  EXPECT_EQ(a.Positions(Left(index)), (std::vector<int64_t>{1}));
  EXPECT_EQ(a.Position(index.Find("gen_ai.system")), 3);  // taken keys are still found
  index.MarkTakenAt(Left(index)[0]);
  EXPECT_TRUE(Left(index).empty());
}

TEST(AttributeIndex, PrefixesListInKeyOrderThenRequestOrder) {
  Attributes a({"gen_ai.prompt.1.content", "gen_ai.prompt.0.role", "gen_ai.promptx",
                "gen_ai.prompt.0.content", "llm.prompt.0.role", "gen_ai.prompt.0.role",
                "gen_ai.prompt."});
  AttributeIndex index = a.Index();
  EXPECT_EQ(a.Positions(index.WithPrefix("gen_ai.prompt.")), (std::vector<int64_t>{6, 3, 1, 5, 0}));
  EXPECT_TRUE(index.WithPrefix("nothing.").empty());
  // Taking them leaves the key that is the prefix itself.
  std::vector<uint32_t> taken = {99};  // emptied first
  index.TakeWithPrefix("gen_ai.prompt.", &taken);
  EXPECT_EQ(a.Positions(taken), (std::vector<int64_t>{3, 1, 5, 0}));
  EXPECT_EQ(a.Positions(Left(index)), (std::vector<int64_t>{2, 4, 6}));
}

TEST(AttributeIndex, ListedKeysAreFoundAmongThousandsOfOthers) {
  std::vector<std::string> keys;
  for (int i = 0; i < 10'000; ++i) keys.push_back("attribute." + std::to_string(i));
  keys.insert(keys.begin() + 5'000, "gen_ai.usage.input_tokens");
  keys.push_back("braintrust.scores");
  Attributes a(keys);
  AttributeIndex index = a.Index();
  EXPECT_EQ(a.Position(index.Take("gen_ai.usage.input_tokens")), 5'000);
  EXPECT_EQ(a.Position(index.Take("braintrust.scores")), 10'001);
  EXPECT_FALSE(index.Find("gen_ai.usage.output_tokens"));
  EXPECT_EQ(Left(index).size(), 10'000u);
}

// The table made at compile time classifies each listed name as itself, and no other key as a
// listed one: not one byte changed anywhere (the middle included, where "input" and "output"
// keys differ), one byte more or less, or a name in another case.
TEST(AttributeIndex, EveryListedNameAndNoNearMissIsClassifiedAsListed) {
  namespace keys = attribute_keys;
  size_t near_misses = 0;
  for (size_t n = 0; n < keys::kCount; ++n) {
    const std::string name(keys::kNames[n]);
    ASSERT_EQ(keys::Classify(name), n) << name;
    auto unlisted = [&](const std::string& key) {
      bool listed_elsewhere = false;
      for (std::string_view other : keys::kNames) listed_elsewhere |= other == key;
      if (listed_elsewhere) return;
      ++near_misses;
      EXPECT_EQ(keys::Classify(key), keys::kCount) << key;
    };
    for (size_t i = 0; i < name.size(); ++i) {
      for (char c : {'x', '.', '_', '0'}) {
        std::string k = name;
        if (k[i] == c) continue;
        k[i] = c;
        unlisted(k);
      }
    }
    unlisted(name.substr(0, name.size() - 1));
    unlisted(name.substr(1));
    unlisted(name + ".");
    unlisted("x" + name);
    std::string upper = name;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    unlisted(upper);
  }
  EXPECT_GT(near_misses, 5'000u);
  EXPECT_EQ(keys::Classify(""), keys::kCount);
}

}  // namespace
}  // namespace sluice::api::otlp
