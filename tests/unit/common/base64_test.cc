// Base64 and base64url against RFC 4648 §10's test vectors, and the errors on bad input.
#include "common/base64.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(Base64, MatchesRfc4648Vectors) {
  const std::pair<const char*, const char*> kVectors[] = {{"", ""},
                                                          {"f", "Zg=="},
                                                          {"fo", "Zm8="},
                                                          {"foo", "Zm9v"},
                                                          {"foob", "Zm9vYg=="},
                                                          {"fooba", "Zm9vYmE="},
                                                          {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    auto back = Base64Decode(encoded);
    ASSERT_TRUE(back.ok()) << encoded;
    EXPECT_EQ(*back, plain);
  }
}

TEST(Base64, UrlAlphabetHasNoPaddingAndNoPlusOrSlash) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(Base64Encode(bytes), "+/+/");
  EXPECT_EQ(Base64UrlEncode(bytes), "-_-_");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(*Base64UrlDecode("Zg"), "f");
  EXPECT_EQ(*Base64UrlDecode("Zg=="), "f");
}

TEST(Base64, RefusesCharactersOutsideTheAlphabet) {
  EXPECT_EQ(Base64Decode("Zm9v!").status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(Base64Decode("-_-_").ok());
  EXPECT_FALSE(Base64UrlDecode("+/+/").ok());
  EXPECT_FALSE(Base64Decode("Z").ok());  // one character cannot hold a byte
}

}  // namespace
}  // namespace sluice
