// Google credentials: RS256 signatures checked by the OpenSSL command line against a key it
// generated, the service account JWT grant, workload identity federation's token exchange,
// the metadata server, Application Default Credentials' order, and the generateAccessToken
// request of impersonation, each with the request shape Google documents.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cloud/gcp/adc.h"
#include "cloud/gcp/credentials_file.h"
#include "cloud/gcp/google_token_sources.h"
#include "cloud/gcp/impersonation.h"
#include "cloud/gcp/rs256.h"
#include "cloud/oauth/jwt_claims.h"
#include "common/base64.h"
#include "fake_http_client.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace sluice::cloud {
namespace {

using testing::FakeHttpClient;
using testing::RecordedRequest;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, std::string_view text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::map<std::string, std::string> Form(const std::string& body) {
  std::map<std::string, std::string> out;
  std::string_view rest = body;
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    std::string_view kv = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? "" : rest.substr(amp + 1);
    const size_t eq = kv.find('=');
    out[UriDecode(kv.substr(0, eq))] = UriDecode(kv.substr(eq + 1));
  }
  return out;
}

// One RSA key made by the openssl command line for the whole suite.
class Rs256Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new sluice::testing::TempDir();
    const std::string cmd = "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " +
                            dir_->File("key.pem") + " 2>/dev/null && openssl pkey -in " +
                            dir_->File("key.pem") + " -pubout -out " + dir_->File("pub.pem");
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "needs the openssl command line";
  }
  static void TearDownTestSuite() { delete dir_; }
  // True when `openssl dgst -sha256 -verify` accepts `sig` over `data` with the public key.
  static bool OpenSslVerifies(const std::string& data, const std::string& sig) {
    WriteFile(dir_->File("data"), data);
    WriteFile(dir_->File("sig"), sig);
    const std::string cmd = "openssl dgst -sha256 -verify " + dir_->File("pub.pem") +
                            " -signature " + dir_->File("sig") + " " + dir_->File("data") +
                            " >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  }
  static std::string Pem() { return ReadFile(dir_->File("key.pem")); }
  static sluice::testing::TempDir* dir_;
};
sluice::testing::TempDir* Rs256Test::dir_ = nullptr;

TEST_F(Rs256Test, OpenSslVerifiesOurSignaturesAndRejectsAlteredData) {
  auto signer = RsaSha256Signer::FromPem(Pem());
  ASSERT_TRUE(signer.ok()) << signer.status().ToString();
  auto sig = (*signer)->Sign("the signing input");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->size(), 256u);
  EXPECT_TRUE(OpenSslVerifies("the signing input", *sig));
  EXPECT_FALSE(OpenSslVerifies("the signing inpuT", *sig));
}

TEST_F(Rs256Test, AJwtsSignatureCoversItsFirstTwoParts) {
  auto signer = std::move(RsaSha256Signer::FromPem(Pem())).value();
  Json header = Json::Object();
  header.Set("kid", Json::String("k1"));
  Json claims = Json::Object();
  claims.Set("iss", Json::String("a@b.iam.gserviceaccount.com"));
  auto jwt = SignJwtRs256(header, claims, *signer);
  ASSERT_TRUE(jwt.ok());
  const size_t last = jwt->rfind('.');
  EXPECT_EQ(*Base64UrlDecode(jwt->substr(0, jwt->find('.'))),
            R"({"kid":"k1","alg":"RS256","typ":"JWT"})");
  EXPECT_TRUE(OpenSslVerifies(jwt->substr(0, last), *Base64UrlDecode(jwt->substr(last + 1))));
}

TEST_F(Rs256Test, KeysThatAreNotRsaPemAreRefusedWithoutEchoingThem) {
  auto bad = RsaSha256Signer::FromPem("-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find("c2VjcmV0"), std::string::npos);
  const std::string ec = dir_->File("ec.pem");
  ASSERT_EQ(std::system(("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " +
                         ec + " 2>/dev/null")
                            .c_str()),
            0);
  EXPECT_NE(RsaSha256Signer::FromPem(ReadFile(ec)).status().message().find("not an RSA key"),
            std::string::npos);
}

std::string ServiceAccountJson(const std::string& pem, const std::string& token_uri) {
  Json doc = Json::Object();
  doc.Set("type", Json::String("service_account"));
  doc.Set("client_email", Json::String("sluice@proj.iam.gserviceaccount.com"));
  doc.Set("private_key_id", Json::String("kid-1"));
  doc.Set("private_key", Json::String(pem));
  doc.Set("token_uri", Json::String(token_uri));
  return doc.ToString();
}

TEST_F(Rs256Test, AServiceAccountKeyPresentsASignedJwtAtItsTokenUri) {
  FakeHttpClient http;
  sluice::testing::FakeClock clock(1'700'000'000'000'000LL);
  auto file =
      ParseCredentialsFile(ServiceAccountJson(Pem(), "http://127.0.0.1:9/token"), "sa.json");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto p = ServiceAccountKeyTokenProvider::Create(*file, http, clock);
  ASSERT_TRUE(p.ok());
  http.Enqueue(200, R"({"access_token":"ya29.own","expires_in":3599,"token_type":"Bearer"})");
  ASSERT_EQ((*p)->GetToken()->token, "ya29.own");
  const RecordedRequest r = http.requests()[0];
  EXPECT_EQ(r.url, "http://127.0.0.1:9/token");
  auto form = Form(r.body);
  EXPECT_EQ(form["grant_type"], "urn:ietf:params:oauth:grant-type:jwt-bearer");
  const std::string& jwt = form["assertion"];
  auto claims = UnverifiedJwtClaims(jwt);
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(ClaimString(*claims, "iss"), "sluice@proj.iam.gserviceaccount.com");
  EXPECT_EQ(ClaimString(*claims, "aud"), "http://127.0.0.1:9/token");
  EXPECT_EQ(ClaimString(*claims, "scope"), kCloudPlatformScope);
  EXPECT_EQ(claims->Find("iat")->int_value(), 1'700'000'000);
  EXPECT_EQ(claims->Find("exp")->int_value(), 1'700'003'600);
  const size_t last = jwt.rfind('.');
  EXPECT_TRUE(OpenSslVerifies(jwt.substr(0, last), *Base64UrlDecode(jwt.substr(last + 1))));
}

TEST(GoogleCredentialsFile, NamesWhatIsMissingAndNeverASecret) {
  auto no_key = ParseCredentialsFile(
      R"({"type":"service_account","client_email":"a@b.iam.gserviceaccount.com"})", "k.json");
  EXPECT_EQ(no_key.status().message(), "Google credentials file k.json lacks \"private_key\"");
  auto aws = ParseCredentialsFile(
      R"({"type":"external_account","audience":"//iam.googleapis.com/x","subject_token_type":"t",)"
      R"("token_url":"https://sts.googleapis.com/v1/token","credential_source":{"environment_id":"aws1"}})",
      "wif.json");
  EXPECT_NE(aws.status().message().find("only file and url credential sources"), std::string::npos);
  auto user = ParseCredentialsFile(
      R"({"type":"authorized_user","client_id":"c","client_secret":"very-secret"})", "u.json");
  EXPECT_EQ(user.status().message().find("very-secret"), std::string::npos);
  EXPECT_EQ(
      ParseCredentialsFile(R"({"type":"impersonated_service_account"})", "i.json").status().code(),
      StatusCode::kFailedPrecondition);
}

TEST(ExternalAccount, ExchangesTheSubjectTokenAtStsThenImpersonates) {
  sluice::testing::TempDir dir;
  WriteFile(dir.File("oidc.json"), R"({"id_token":"eyJ.subject.token"})");
  const std::string json =
      R"({"type":"external_account","audience":"//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/gh",)"
      R"("subject_token_type":"urn:ietf:params:oauth:token-type:jwt","token_url":"http://127.0.0.1:9/v1/token",)"
      R"("service_account_impersonation_url":"http://127.0.0.1:9/v1/projects/-/serviceAccounts/own@p.iam.gserviceaccount.com:generateAccessToken",)"
      R"("credential_source":{"file":")" +
      dir.File("oidc.json") +
      R"(","format":{"type":"json","subject_token_field_name":"id_token"}}})";
  auto file = ParseCredentialsFile(json, "wif.json");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  FakeHttpClient http;
  sluice::testing::FakeClock clock;
  ExternalAccountTokenProvider p(*file, http, clock);
  http.Enqueue(
      200,
      R"({"access_token":"federated","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":3600})");
  http.Enqueue(200, R"({"accessToken":"ya29.own","expireTime":"2030-01-01T00:00:00Z"})");
  auto t = p.GetToken();
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->token, "ya29.own");
  const auto reqs = http.requests();
  auto form = Form(reqs[0].body);
  EXPECT_EQ(form["grant_type"], "urn:ietf:params:oauth:grant-type:token-exchange");
  EXPECT_EQ(form["requested_token_type"], "urn:ietf:params:oauth:token-type:access_token");
  EXPECT_EQ(form["subject_token"], "eyJ.subject.token");
  EXPECT_EQ(form["subject_token_type"], "urn:ietf:params:oauth:token-type:jwt");
  EXPECT_EQ(
      form["audience"],
      "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/gh");
  EXPECT_EQ(form["scope"], kCloudPlatformScope);
  EXPECT_EQ(*FindHeader(reqs[1].headers, "Authorization"), "Bearer federated");
}

TEST(Impersonation, PostsScopeAndLifetimeWithTheCallersToken) {
  FakeHttpClient http;
  sluice::testing::FakeClock clock;
  StaticTokenProvider own(AccessToken{"ya29.own", 0});
  const std::string url = GenerateAccessTokenUrl("https://iamcredentials.googleapis.com",
                                                 "export@customer.iam.gserviceaccount.com");
  EXPECT_EQ(url,
            "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/"
            "export%40customer.iam.gserviceaccount.com:generateAccessToken");
  ImpersonatedTokenProvider p(own, url, "export@customer.iam.gserviceaccount.com",
                              {kDevstorageReadWriteScope}, http, clock);
  http.Enqueue(200, R"({"accessToken":"ya29.customer","expireTime":"2023-11-14T23:13:20Z"})");
  auto t = p.GetToken();
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->token, "ya29.customer");
  EXPECT_EQ(t->expiration, 1'700'003'600'000'000LL);
  const RecordedRequest r = http.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(*FindHeader(r.headers, "Authorization"), "Bearer ya29.own");
  EXPECT_EQ(*FindHeader(r.headers, "Content-Type"), "application/json");
  EXPECT_EQ(
      r.body,
      R"({"scope":["https://www.googleapis.com/auth/devstorage.read_write"],"lifetime":"3600s"})");
}

TEST(Impersonation, ARefusalSaysWhichRoleToGrant) {
  FakeHttpClient http;
  sluice::testing::FakeClock clock;
  StaticTokenProvider own(AccessToken{"ya29.own", 0});
  ImpersonatedTokenProvider p(own, "http://127.0.0.1:9/x", "export@c.iam.gserviceaccount.com",
                              {kDevstorageReadWriteScope}, http, clock);
  http.Enqueue(
      403,
      R"({"error":{"code":403,"message":"Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).","status":"PERMISSION_DENIED"}})");
  const Status s = p.GetToken().status();
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("the service account export@c.iam.gserviceaccount.com must exist "
                             "and grant roles/iam.serviceAccountTokenCreator to sluice's own "
                             "identity"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(s.message().find("ya29"), std::string::npos);
  EXPECT_TRUE(ValidateServiceAccountEmail("export@c.iam.gserviceaccount.com").ok());
  EXPECT_FALSE(ValidateServiceAccountEmail("export@c/../x").ok());
  EXPECT_FALSE(ValidateServiceAccountEmail("no-at-sign").ok());
}

TEST(ApplicationDefaultCredentials, ExplicitFileThenMetadataServer) {
  FakeHttpClient http;
  sluice::testing::FakeClock clock;
  GcpSettings settings;
  settings.metadata_base = "http://127.0.0.1:9";
  // No file: the metadata server.
  auto adc = MakeApplicationDefaultCredentials(settings, http, clock);
  http.Enqueue(200, R"({"access_token":"ya29.gce","expires_in":3599,"token_type":"Bearer"})");
  ASSERT_EQ(adc->GetToken()->token, "ya29.gce");
  RecordedRequest r = http.requests()[0];
  EXPECT_EQ(r.url,
            "http://127.0.0.1:9/computeMetadata/v1/instance/service-accounts/default/token?"
            "scopes=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fcloud-platform");
  EXPECT_EQ(*FindHeader(r.headers, "Metadata-Flavor"), "Google");
  // GOOGLE_APPLICATION_CREDENTIALS naming a missing file is an error, not a fallback.
  settings.credentials_file = "/nonexistent/key.json";
  auto broken = MakeApplicationDefaultCredentials(settings, http, clock);
  const Status s = broken->GetToken().status();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(http.calls(), 1u);
  // Nowhere to get one: not found, each source's reason.
  settings.credentials_file.clear();
  auto nothing = MakeApplicationDefaultCredentials(settings, http, clock);
  http.EnqueueError(UnavailableError("HTTP transport: Couldn't resolve host name"));
  EXPECT_EQ(nothing->GetToken().status().code(), StatusCode::kNotFound);
}

TEST(GcpSettings, ReadsTheVariablesGooglesLibrariesRead) {
  MapEnvironment env({{"GOOGLE_APPLICATION_CREDENTIALS", "/k.json"},
                      {"GCE_METADATA_HOST", "127.0.0.1:8080"},
                      {"STORAGE_EMULATOR_HOST", "http://127.0.0.1:4443/"},
                      {"CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS", "http://127.0.0.1:5/v1/"},
                      {"HOME", "/home/u"}});
  const GcpSettings s = ResolveGcpSettings(env);
  EXPECT_EQ(s.credentials_file, "/k.json");
  EXPECT_EQ(s.metadata_base, "http://127.0.0.1:8080");
  EXPECT_EQ(s.storage_endpoint, "http://127.0.0.1:4443");
  EXPECT_EQ(s.iam_credentials_endpoint, "http://127.0.0.1:5");
  EXPECT_EQ(s.well_known_file, "/home/u/.config/gcloud/application_default_credentials.json");
  const GcpSettings d = ResolveGcpSettings(MapEnvironment());
  EXPECT_EQ(d.storage_endpoint, "https://storage.googleapis.com");
  EXPECT_EQ(d.iam_credentials_endpoint, "https://iamcredentials.googleapis.com");
}

}  // namespace
}  // namespace sluice::cloud
