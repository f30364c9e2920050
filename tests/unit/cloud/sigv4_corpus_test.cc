// Runs every case of the two AWS SigV4 test suites in tests/data/sigv4 (see its README)
// through SigV4Signer and compares canonical request, string to sign and signature.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cloud/aws/sigv4_signer.h"
#include "common/crypto.h"
#include "common/json.h"
#include "common/time_util.h"
#include "testing/temp_dir.h"

namespace sluice::cloud {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string RStrip(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// Parses a raw request file: request line, headers (with folded continuation lines), body.
SigningRequest ParseRawRequest(const std::string& text) {
  SigningRequest req;
  std::vector<std::string> lines;
  size_t pos = 0;
  size_t body_start = std::string::npos;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty() && !lines.empty()) {
      body_start = pos;
      break;
    }
    lines.push_back(line);
  }
  const std::string& rl = lines.at(0);
  const size_t sp1 = rl.find(' ');
  const size_t sp2 = rl.rfind(' ');
  req.method = rl.substr(0, sp1);
  const std::string target = rl.substr(sp1 + 1, sp2 - sp1 - 1);
  const size_t q = target.find('?');
  req.path = target.substr(0, q);
  if (q != std::string::npos) {
    std::string_view qs(target);
    qs.remove_prefix(q + 1);
    while (!qs.empty()) {
      size_t amp = qs.find('&');
      std::string_view pair = qs.substr(0, amp);
      size_t eq = pair.find('=');
      std::string k(pair.substr(0, eq));
      std::string v = eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1));
      req.query.emplace_back(UriDecode(k), UriDecode(v));
      if (amp == std::string_view::npos) break;
      qs.remove_prefix(amp + 1);
    }
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (!l.empty() && (l[0] == ' ' || l[0] == '\t')) {
      req.headers.back().second += "\n" + l;
      continue;
    }
    const size_t colon = l.find(':');
    req.headers.emplace_back(l.substr(0, colon), l.substr(colon + 1));
  }
  const std::string body = body_start == std::string::npos || body_start > text.size()
                               ? std::string()
                               : text.substr(body_start);
  req.payload_hash = HexEncode(Sha256(body));
  return req;
}

constexpr char kAccessKey[] = "AKIDEXAMPLE";
constexpr char kSecretKey[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

TimestampMicros SuiteTime() { return *ParseRfc3339("2015-08-30T12:36:00Z"); }

// ---- botocore aws4_testsuite -------------------------------------------------------------

std::vector<std::string> BotocoreCases() {
  std::vector<std::string> out;
  const fs::path root = testing::TestData("sigv4") + "/botocore-aws4_testsuite";
  if (!fs::exists(root)) return out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().extension() == ".req") out.push_back(fs::relative(e.path().parent_path(), root));
  }
  std::sort(out.begin(), out.end());
  return out;
}

class BotocoreSuite : public ::testing::TestWithParam<std::string> {};

TEST_P(BotocoreSuite, MatchesExpected) {
  const fs::path dir =
      fs::path(testing::TestData("sigv4")) / "botocore-aws4_testsuite" / GetParam();
  const std::string name = dir.filename();
  SigningRequest req = ParseRawRequest(ReadFile(dir / (name + ".req")));
  AwsCredentials creds{kAccessKey, kSecretKey, "", 0};
  if (name == "get-vanilla-with-session-token") {
    // The suite signs this case with this session token (it appears in the .creq).
    creds.session_token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
  }
  SigV4Options options;
  options.region = "us-east-1";
  options.service = "service";
  options.normalize_path = true;
  options.add_content_sha256_header = false;
  SigV4Signer signer(options);
  const SigningResult r = signer.SignHeaders(req, creds, SuiteTime());
  EXPECT_EQ(r.canonical_request, RStrip(ReadFile(dir / (name + ".creq"))));
  EXPECT_EQ(r.string_to_sign, RStrip(ReadFile(dir / (name + ".sts"))));
  EXPECT_EQ(r.authorization, RStrip(ReadFile(dir / (name + ".authz"))));
}

std::string CaseName(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = info.param;
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return s;
}

INSTANTIATE_TEST_SUITE_P(Sigv4, BotocoreSuite, ::testing::ValuesIn(BotocoreCases()), CaseName);

TEST(SigV4Corpus, BotocoreSuiteIsComplete) {
  EXPECT_EQ(BotocoreCases().size(), 34u) << "expected the 34 aws4_testsuite cases";
}

// ---- aws-c-auth v4 suite -----------------------------------------------------------------

std::vector<std::string> CrtCases() {
  std::vector<std::string> out;
  const fs::path root = testing::TestData("sigv4") + "/aws-c-auth-v4";
  if (!fs::exists(root)) return out;
  for (const auto& e : fs::directory_iterator(root)) {
    if (e.is_directory()) out.push_back(e.path().filename());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct CrtContext {
  AwsCredentials credentials;
  SigV4Options options;
  TimestampMicros time = 0;
  int64_t expires = 0;
};

CrtContext LoadContext(const fs::path& dir) {
  const Json ctx = *Json::Parse(ReadFile(dir / "context.json"));
  CrtContext c;
  const Json& cr = *ctx.Find("credentials");
  c.credentials.access_key_id = cr.Find("access_key_id")->string_value();
  c.credentials.secret_access_key = cr.Find("secret_access_key")->string_value();
  if (const Json* t = cr.Find("token")) c.credentials.session_token = t->string_value();
  c.options.region = ctx.Find("region")->string_value();
  c.options.service = ctx.Find("service")->string_value();
  c.options.normalize_path = ctx.Find("normalize")->bool_value();
  c.options.add_content_sha256_header = ctx.Find("sign_body")->bool_value();
  if (const Json* o = ctx.Find("omit_session_token"))
    c.options.omit_session_token = o->bool_value();
  c.time = *ParseRfc3339(ctx.Find("timestamp")->string_value());
  c.expires = ctx.Find("expiration_in_seconds")->int_value();
  return c;
}

class CrtSuite : public ::testing::TestWithParam<std::string> {};

TEST_P(CrtSuite, HeaderSigningMatchesExpected) {
  const fs::path dir = fs::path(testing::TestData("sigv4")) / "aws-c-auth-v4" / GetParam();
  const CrtContext c = LoadContext(dir);
  SigningRequest req = ParseRawRequest(ReadFile(dir / "request.txt"));
  SigV4Signer signer(c.options);
  const SigningResult r = signer.SignHeaders(req, c.credentials, c.time);
  EXPECT_EQ(r.canonical_request, RStrip(ReadFile(dir / "header-canonical-request.txt")));
  EXPECT_EQ(r.string_to_sign, RStrip(ReadFile(dir / "header-string-to-sign.txt")));
  EXPECT_EQ(r.signature, RStrip(ReadFile(dir / "header-signature.txt")));
  const std::string* authz = FindHeader(req.headers, "Authorization");
  ASSERT_NE(authz, nullptr);
  EXPECT_NE(ReadFile(dir / "header-signed-request.txt").find("Authorization:" + *authz),
            std::string::npos);
}

TEST_P(CrtSuite, QuerySigningMatchesExpected) {
  const fs::path dir = fs::path(testing::TestData("sigv4")) / "aws-c-auth-v4" / GetParam();
  const CrtContext c = LoadContext(dir);
  SigningRequest req = ParseRawRequest(ReadFile(dir / "request.txt"));
  SigV4Signer signer(c.options);
  const SigningResult r = signer.Presign(req, c.credentials, c.time, c.expires);
  EXPECT_EQ(r.canonical_request, RStrip(ReadFile(dir / "query-canonical-request.txt")));
  EXPECT_EQ(r.string_to_sign, RStrip(ReadFile(dir / "query-string-to-sign.txt")));
  EXPECT_EQ(r.signature, RStrip(ReadFile(dir / "query-signature.txt")));
  EXPECT_EQ(req.query.back().first, "X-Amz-Signature");
}

INSTANTIATE_TEST_SUITE_P(Sigv4, CrtSuite, ::testing::ValuesIn(CrtCases()), CaseName);

TEST(SigV4Corpus, CrtSuiteIsComplete) {
  EXPECT_EQ(CrtCases().size(), 38u) << "expected the 38 aws-c-auth v4 cases";
}

// ---- behaviour beyond the corpus ---------------------------------------------------------

TEST(SigV4Signer, S3ModeKeepsPathAndSignsPayloadHash) {
  SigV4Signer signer(SigV4Options{"eu-west-1", "s3", false, true, false});
  SigningRequest req;
  req.method = "PUT";
  req.path = "/bucket/a//b/./c d";
  req.headers = {{"Host", "s3.eu-west-1.amazonaws.com"}};
  req.payload_hash = kUnsignedPayload;
  const SigningResult r = signer.SignHeaders(req, {kAccessKey, kSecretKey, "tok", 0}, SuiteTime());
  EXPECT_NE(r.canonical_request.find("\n/bucket/a//b/./c%20d\n"), std::string::npos);
  EXPECT_NE(r.canonical_request.find("x-amz-content-sha256:UNSIGNED-PAYLOAD\n"), std::string::npos);
  EXPECT_NE(r.authorization.find("SignedHeaders=host;x-amz-content-sha256;x-amz-date;"
                                 "x-amz-security-token,"),
            std::string::npos);
  ASSERT_NE(FindHeader(req.headers, "x-amz-security-token"), nullptr);
  EXPECT_EQ(*FindHeader(req.headers, "x-amz-security-token"), "tok");
}

TEST(SigV4Signer, SigningKeyCacheDoesNotLeakAcrossSecretsOrDays) {
  SigV4Signer signer(SigV4Options{});
  auto sign = [&](const std::string& secret, TimestampMicros t) {
    SigningRequest req;
    req.method = "GET";
    req.headers = {{"Host", "h"}};
    return signer.SignHeaders(req, {kAccessKey, secret, "", 0}, t).signature;
  };
  const std::string a = sign("secret-a", SuiteTime());
  EXPECT_EQ(a, sign("secret-a", SuiteTime()));
  EXPECT_NE(a, sign("secret-b", SuiteTime()));
  const int64_t day = 86'400'000'000LL;
  EXPECT_NE(sign("secret-a", SuiteTime() + day), sign("secret-a", SuiteTime()));
}

}  // namespace
}  // namespace sluice::cloud
