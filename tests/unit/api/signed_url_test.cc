#include "api/signed_url.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "testing/temp_dir.h"

namespace sluice::api {
namespace {

constexpr TimestampMicros kNow = 1'800'000'000'000'000LL;

// The expires and signature values of a query string Sign made.
std::pair<std::string, std::string> Parts(const std::string& query) {
  const size_t amp = query.find('&');
  return {query.substr(8, amp - 8), query.substr(amp + 11)};
}

TEST(UrlSigner, AcceptsItsOwnUrlUntilItExpires) {
  UrlSigner signer(std::string(32, 'k'));
  auto [expires, sig] = Parts(signer.Sign("PUT", "/blob/overflow/o/k", kNow / 1'000'000 + 60));
  EXPECT_TRUE(signer.Verify("PUT", "/blob/overflow/o/k", expires, sig, kNow).ok());
  auto late = signer.Verify("PUT", "/blob/overflow/o/k", expires, sig, kNow + 61'000'000);
  EXPECT_EQ(late.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(late.message().find("expired"), std::string::npos);
}

TEST(UrlSigner, RefusesAnotherMethodPathExpiryOrKey) {
  UrlSigner signer(std::string(32, 'k'));
  auto [expires, sig] = Parts(signer.Sign("PUT", "/blob/overflow/o/k", kNow / 1'000'000 + 60));
  EXPECT_FALSE(signer.Verify("GET", "/blob/overflow/o/k", expires, sig, kNow).ok());
  EXPECT_FALSE(signer.Verify("PUT", "/blob/overflow/o/k2", expires, sig, kNow).ok());
  EXPECT_FALSE(signer.Verify("PUT", "/blob/overflow/o/k", expires + "0", sig, kNow).ok());
  EXPECT_FALSE(
      UrlSigner(std::string(32, 'x')).Verify("PUT", "/blob/overflow/o/k", expires, sig, kNow).ok());
  EXPECT_NE(signer.Verify("PUT", "/blob/overflow/o/k", "", "", kNow).message().find("not signed"),
            std::string::npos);
}

TEST(SigningSecret, IsCreatedOnceWithMode0600AndKept) {
  sluice::testing::TempDir dir;
  const std::string path = (dir.path() / "url-signing-key").string();
  auto first = LoadOrCreateSigningSecret(path);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->size(), 64u);
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(*LoadOrCreateSigningSecret(path), *first);
  std::ofstream(path, std::ios::trunc) << "short\n";
  EXPECT_EQ(LoadOrCreateSigningSecret(path).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace sluice::api
