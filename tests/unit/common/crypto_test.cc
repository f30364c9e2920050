#include "common/crypto.h"

#include <gtest/gtest.h>

#include <set>

#include "common/uuid.h"

namespace sluice {
namespace {

// Known-answer values from FIPS 180-2 and RFC 4231 test case 2.
TEST(Crypto, Sha256KnownAnswer) {
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256Hasher h;
  h.Update("a");
  h.Update("bc");
  EXPECT_EQ(HexEncode(h.Finish()), HexEncode(Sha256("abc")));
}

TEST(Crypto, HmacSha256KnownAnswer) {
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, RandomAlnumIsAlphanumericAndVaries) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string s = RandomAlnum(20);
    ASSERT_EQ(s.size(), 20u);
    for (char c : s) ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c)));
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(Uuid, NewUuidsAreVersion4AndValid) {
  std::string u = NewUuid();
  EXPECT_TRUE(IsUuid(u));
  EXPECT_EQ(u[14], '4');
  EXPECT_NE(NewUuid(), u);
  EXPECT_FALSE(IsUuid("not-a-uuid"));
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456-42661417400g"));
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

// RFC 1321 appendix A.5.
TEST(Md5, MatchesRfc1321Vectors) {
  EXPECT_EQ(HexEncode(AsStringView(Md5(""))), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(HexEncode(AsStringView(Md5("abc"))), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(HexEncode(AsStringView(Md5("message digest"))), "f96b697d7cb7938d525a2f31aaf161d0");
}

TEST(Md5, IncrementalEqualsOneShot) {
  Md5Hasher h;
  h.Update("message ");
  h.Update("digest");
  EXPECT_EQ(h.Finish(), Md5("message digest"));
}

}  // namespace
}  // namespace sluice
