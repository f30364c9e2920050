#include "model/auth.h"

#include <gtest/gtest.h>

namespace sluice::model {
namespace {

TEST(ApiKey, MintedKeyMatchesOnlyItsPlaintext) {
  MintedKey m = MintKey(KeyKind::kApiKey, "org", "ci", {{"", Permission::kAdmin}}, 1);
  EXPECT_TRUE(m.plaintext.starts_with("sk-"));
  EXPECT_TRUE(KeyMatches(m.key, m.plaintext));
  std::string wrong = m.plaintext;
  wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
  EXPECT_FALSE(KeyMatches(m.key, wrong));
  EXPECT_EQ(m.key.hash.find(m.plaintext), std::string::npos);
  EXPECT_EQ(*KeyLookupPart(m.plaintext), m.key.lookup);
}

TEST(ApiKey, ServiceTokensHaveTheirPrefix) {
  MintedKey m = MintKey(KeyKind::kServiceToken, "org", "export", {}, 1);
  EXPECT_TRUE(m.plaintext.starts_with("sl-st-"));
  EXPECT_EQ(*KeyLookupPart(m.plaintext), m.key.lookup);
  EXPECT_FALSE(KeyLookupPart("Bearer xyz").ok());
  EXPECT_FALSE(KeyLookupPart("sk-short").ok());
}

TEST(ApiKey, PermissionIsTheHighestApplicableGrant) {
  ApiKey k;
  k.grants = {{"p1", Permission::kRead}, {"p2", Permission::kAdmin}, {"", Permission::kWrite}};
  EXPECT_EQ(k.PermissionOn("p1"), Permission::kWrite);
  EXPECT_EQ(k.PermissionOn("p2"), Permission::kAdmin);
  EXPECT_EQ(k.PermissionOn("p3"), Permission::kWrite);
  k.grants = {{"p1", Permission::kRead}};
  EXPECT_EQ(k.PermissionOn("p3"), Permission::kNone);
}

}  // namespace
}  // namespace sluice::model
