// The shared OAuth 2.0 pieces: token responses and errors (RFC 6749 §5), the refreshing cache,
// the chain's order, and reading a JWT's claims.
#include <gtest/gtest.h>

#include "cloud/oauth/jwt_claims.h"
#include "cloud/oauth/token_endpoint.h"
#include "cloud/oauth/token_providers.h"
#include "common/base64.h"
#include "fake_http_client.h"
#include "testing/fake_clock.h"

namespace sluice::cloud {
namespace {

using testing::FakeHttpClient;
constexpr TimestampMicros kNow = 1'700'000'000'000'000LL;

TEST(TokenResponse, ReadsExpiresInAsNumberOrStringAndExpiresOn) {
  auto a = ParseTokenResponse({200, {}, R"({"access_token":"t1","expires_in":3600})"}, "x", kNow);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->token, "t1");
  EXPECT_EQ(a->expiration, kNow + 3'600'000'000LL);
  auto b = ParseTokenResponse({200, {}, R"({"access_token":"t2","expires_in":"60"})"}, "x", kNow);
  EXPECT_EQ(b->expiration, kNow + 60'000'000LL);
  auto c = ParseTokenResponse(
      {200, {}, R"({"access_token":"t3","expires_in":"86399","expires_on":"1700000500"})"}, "x",
      kNow);
  EXPECT_EQ(c->expiration, 1'700'000'500'000'000LL);
  EXPECT_EQ(ParseTokenResponse({200, {}, "<html>proxy</html>"}, "x", kNow).status().code(),
            StatusCode::kUnavailable);
}

TEST(TokenResponse, ErrorsAreJudgedByTheirOAuthCode) {
  auto code = [](int http, const std::string& body) {
    return TokenErrorToStatus({http, {}, body}, "issuer").code();
  };
  EXPECT_EQ(code(401, R"({"error":"invalid_client","error_description":"AADSTS7000215"})"),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(code(400, R"({"error":"invalid_grant"})"), StatusCode::kUnauthenticated);
  EXPECT_EQ(code(400, R"({"error":"access_denied"})"), StatusCode::kPermissionDenied);
  EXPECT_EQ(code(503, R"({"error":"temporarily_unavailable"})"), StatusCode::kUnavailable);
  EXPECT_EQ(code(429, ""), StatusCode::kUnavailable);
  EXPECT_EQ(code(403, R"({"error":{"code":403,"status":"PERMISSION_DENIED","message":"no"}})"),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(code(400, R"({"error":"invalid_scope"})"), StatusCode::kInvalidArgument);
  const Status s = TokenErrorToStatus(
      {400, {}, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})"},
      "Google token endpoint");
  EXPECT_EQ(s.message(), "Google token endpoint: invalid_grant (HTTP 400): Invalid JWT Signature.");
}

TEST(RequestToken, PostsAFormAndRetriesTransientFailures) {
  FakeHttpClient http;
  sluice::testing::FakeClock clock(kNow);
  RetryPolicy retry(RetryOptions{3, 10, 100, 10'000}, clock);
  http.Enqueue(503, R"({"error":"temporarily_unavailable"})");
  http.Enqueue(200, R"({"access_token":"tok","expires_in":3600})");
  TokenRequest r;
  r.url = "https://login.example/t/oauth2/v2.0/token";
  r.form = {{"grant_type", "client_credentials"}, {"scope", "https://storage.azure.com/.default"}};
  r.issuer = "Entra";
  auto t = RequestToken(http, retry, clock, r);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->token, "tok");
  ASSERT_EQ(http.calls(), 2u);
  const auto req = http.requests()[1];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(*FindHeader(req.headers, "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(req.body,
            "grant_type=client_credentials&scope=https%3A%2F%2Fstorage.azure.com%2F.default");
}

// Hands out numbered tokens that live `lifetime_s` seconds, or fails with `next_error`.
class CountingSource final : public RefreshingTokenProvider {
 public:
  CountingSource(Clock& clock, int64_t lifetime_s)
      : RefreshingTokenProvider(clock), lifetime_s_(lifetime_s) {}
  std::string Name() const override { return "counting"; }
  int fetches = 0;
  Status next_error;

 protected:
  Result<AccessToken> Fetch() override {
    ++fetches;
    if (!next_error.ok()) return next_error;
    return AccessToken{"t" + std::to_string(fetches), clock_.NowMicros() + lifetime_s_ * 1'000'000};
  }

 private:
  const int64_t lifetime_s_;
};

TEST(RefreshingTokenProvider, RefreshesFiveMinutesAheadAndKeepsAValidTokenOnTransientErrors) {
  sluice::testing::FakeClock clock(kNow);
  CountingSource src(clock, 3600);
  EXPECT_EQ(src.GetToken()->token, "t1");
  clock.Advance(3'000'000'000LL);  // 50 min: 10 min left, still cached
  EXPECT_EQ(src.GetToken()->token, "t1");
  clock.Advance(360'000'000LL);  // 4 min left: refresh
  EXPECT_EQ(src.GetToken()->token, "t2");
  clock.Advance(3'400'000'000LL);  // near expiry, and the issuer is down: keep t2
  src.next_error = UnavailableError("down");
  EXPECT_EQ(src.GetToken()->token, "t2");
  src.next_error = UnauthenticatedError("revoked");
  EXPECT_EQ(src.GetToken().status().code(), StatusCode::kUnauthenticated);
  src.next_error = Status();
  src.Invalidate();
  const std::string fresh = src.GetToken()->token;
  EXPECT_EQ(fresh, "t" + std::to_string(src.fetches));
}

class FixedSource final : public TokenProvider {
 public:
  FixedSource(std::string name, Result<AccessToken> answer)
      : name_(std::move(name)), answer_(std::move(answer)) {}
  Result<AccessToken> GetToken() override {
    ++calls;
    return answer_;
  }
  std::string Name() const override { return name_; }
  int calls = 0;

 private:
  std::string name_;
  Result<AccessToken> answer_;
};

TEST(ChainTokenProvider, NotFoundPassesOnOtherErrorsStop) {
  std::vector<std::unique_ptr<TokenProvider>> sources;
  sources.push_back(std::make_unique<FixedSource>("env", NotFoundError("unset")));
  sources.push_back(std::make_unique<FixedSource>("file", AccessToken{"from-file", 0}));
  ChainTokenProvider chain("Azure identity", std::move(sources));
  EXPECT_EQ(chain.GetToken()->token, "from-file");
  EXPECT_EQ(chain.Name(), "file");

  std::vector<std::unique_ptr<TokenProvider>> failing;
  failing.push_back(std::make_unique<FixedSource>("env", UnauthenticatedError("bad secret")));
  failing.push_back(std::make_unique<FixedSource>("file", AccessToken{"never", 0}));
  ChainTokenProvider stop("Azure identity", std::move(failing));
  const Status s = stop.GetToken().status();
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(s.message(), "Azure identity from env: bad secret");

  std::vector<std::unique_ptr<TokenProvider>> none;
  none.push_back(std::make_unique<FixedSource>("env", NotFoundError("unset")));
  none.push_back(std::make_unique<FixedSource>("imds", NotFoundError("unreachable")));
  ChainTokenProvider empty("Google identity", std::move(none));
  EXPECT_EQ(empty.GetToken().status().message(),
            "no Google identity found; env: unset; imds: unreachable");
}

TEST(JwtClaims, ReadsThePayloadAndRefusesOpaqueTokens) {
  const std::string jwt = Base64UrlEncode(R"({"alg":"RS256"})") + "." +
                          Base64UrlEncode(R"({"iss":"https://issuer/v2.0","sub":"abc"})") + ".sig";
  auto claims = UnverifiedJwtClaims(jwt);
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(ClaimString(*claims, "iss"), "https://issuer/v2.0");
  EXPECT_EQ(ClaimString(*claims, "sub"), "abc");
  EXPECT_EQ(ClaimString(*claims, "missing"), "");
  EXPECT_FALSE(UnverifiedJwtClaims("ya29.opaque-token").ok());
}

}  // namespace
}  // namespace sluice::cloud
