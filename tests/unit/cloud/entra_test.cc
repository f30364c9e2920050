// Microsoft Entra ID token sources over a FakeHttpClient: the request of each source (client
// secret, workload identity, managed identity on App Service and IMDS), the chain's order as in
// DefaultAzureCredential, and the customer's app registration reached with the server's token
// as a federated client assertion. A local token endpoint checks the same flows over HTTP
// (tests/integration/cloud/azurite_test.cc).
#include <gtest/gtest.h>

#include <fstream>

#include "cloud/azure/entra_credentials.h"
#include "cloud/azure/managed_identity.h"
#include "common/base64.h"
#include "fake_http_client.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace sluice::cloud {
namespace {

using testing::FakeHttpClient;
using testing::RecordedRequest;

constexpr char kTenant[] = "11111111-2222-3333-4444-555555555555";
constexpr char kClient[] = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

std::string Token(const std::string& value, int64_t expires_in = 3600) {
  return R"({"token_type":"Bearer","expires_in":)" + std::to_string(expires_in) +
         R"(,"access_token":")" + value + "\"}";
}

// The form fields of a recorded POST, decoded.
std::map<std::string, std::string> Form(const RecordedRequest& r) {
  std::map<std::string, std::string> out;
  std::string_view rest = r.body;
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    std::string_view kv = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? "" : rest.substr(amp + 1);
    const size_t eq = kv.find('=');
    out[UriDecode(kv.substr(0, eq))] = UriDecode(kv.substr(eq + 1));
  }
  return out;
}

class EntraTest : public ::testing::Test {
 protected:
  EntraOptions Options() {
    EntraOptions o;
    o.authority_host = "https://login.example";
    o.retry = RetryOptions{2, 10, 100, 1'000};
    return o;
  }
  MapEnvironment env_;
  FakeHttpClient http_;
  sluice::testing::FakeClock clock_;
  sluice::testing::TempDir dir_;
};

TEST_F(EntraTest, ClientSecretFromTheEnvironment) {
  env_.Set("AZURE_TENANT_ID", kTenant);
  env_.Set("AZURE_CLIENT_ID", kClient);
  env_.Set("AZURE_CLIENT_SECRET", "s3cr3t");
  ClientSecretTokenProvider p(env_, kTokenExchangeScope, Options(), http_, clock_);
  http_.Enqueue(200, Token("own"));
  ASSERT_EQ(p.GetToken()->token, "own");
  const RecordedRequest r = http_.requests()[0];
  EXPECT_EQ(r.url, std::string("https://login.example/") + kTenant + "/oauth2/v2.0/token");
  auto form = Form(r);
  EXPECT_EQ(form["grant_type"], "client_credentials");
  EXPECT_EQ(form["client_id"], kClient);
  EXPECT_EQ(form["client_secret"], "s3cr3t");
  EXPECT_EQ(form["scope"], "api://AzureADTokenExchange/.default");
  // A refused secret: the error says so, and does not repeat it.
  http_.Enqueue(
      401,
      R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."})");
  p.Invalidate();
  const Status s = p.GetToken().status();
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_NE(s.message().find("AADSTS7000215"), std::string::npos);
  EXPECT_EQ(s.message().find("s3cr3t"), std::string::npos);
}

TEST_F(EntraTest, WorkloadIdentityReadsTheTokenFileForEveryFetch) {
  const std::string file = dir_.File("token");
  std::ofstream(file) << "federated-1\n";
  env_.Set("AZURE_FEDERATED_TOKEN_FILE", file);
  env_.Set("AZURE_TENANT_ID", kTenant);
  env_.Set("AZURE_CLIENT_ID", kClient);
  WorkloadIdentityTokenProvider p(env_, kTokenExchangeScope, Options(), http_, clock_);
  http_.Enqueue(200, Token("a"));
  http_.Enqueue(200, Token("b"));
  ASSERT_TRUE(p.GetToken().ok());
  std::ofstream(file) << "federated-2";
  p.Invalidate();
  ASSERT_EQ(p.GetToken()->token, "b");
  auto first = Form(http_.requests()[0]);
  EXPECT_EQ(first["client_assertion"], "federated-1");
  EXPECT_EQ(first["client_assertion_type"],
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  EXPECT_EQ(Form(http_.requests()[1])["client_assertion"], "federated-2");
}

TEST_F(EntraTest, ManagedIdentityOnAppServiceAndOnImds) {
  env_.Set("IDENTITY_ENDPOINT", "http://127.0.0.1:41741/msi/token");
  env_.Set("IDENTITY_HEADER", "hdr");
  ManagedIdentityTokenProvider app(env_, kTokenExchangeScope, http_, clock_);
  http_.Enqueue(200, R"({"access_token":"mi","expires_on":"1700003600","resource":"r"})");
  auto t = app.GetToken();
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->expiration, 1'700'003'600'000'000LL);
  RecordedRequest r = http_.requests()[0];
  EXPECT_EQ(r.url,
            "http://127.0.0.1:41741/msi/token?api-version=2019-08-01&resource=api%3A%2F%2F"
            "AzureADTokenExchange");
  EXPECT_EQ(*FindHeader(r.headers, "X-IDENTITY-HEADER"), "hdr");

  MapEnvironment vm(std::map<std::string, std::string>{{"AZURE_CLIENT_ID", kClient}});
  ManagedIdentityTokenProvider imds(vm, kAzureStorageScope, http_, clock_);
  http_.Enqueue(200, Token("vm"));
  ASSERT_EQ(imds.GetToken()->token, "vm");
  r = http_.requests()[1];
  EXPECT_EQ(r.url, std::string("http://169.254.169.254/metadata/identity/oauth2/token?"
                               "api-version=2018-02-01&resource=https%3A%2F%2Fstorage.azure.com"
                               "&client_id=") +
                       kClient);
  EXPECT_EQ(*FindHeader(r.headers, "Metadata"), "true");
  EXPECT_EQ(r.timeout_ms, ManagedIdentityTokenProvider::kTimeoutMs);
}

TEST_F(EntraTest, TheChainFollowsDefaultAzureCredentialsOrder) {
  auto chain = MakeDefaultAzureIdentity(env_, AzureSettings{}, kTokenExchangeScope, http_, clock_);
  // Nothing configured and no IMDS: not found, with each source's reason.
  http_.EnqueueError(UnavailableError("HTTP transport: Couldn't connect to server"));
  Status none = chain->GetToken().status();
  EXPECT_EQ(none.code(), StatusCode::kNotFound);
  EXPECT_NE(none.message().find("AZURE_CLIENT_SECRET"), std::string::npos) << none.message();
  EXPECT_NE(none.message().find("instance metadata service unreachable"), std::string::npos);

  // A secret and a federated token file both set: the secret comes first.
  const std::string file = dir_.File("token");
  std::ofstream(file) << "federated";
  env_.Set("AZURE_TENANT_ID", kTenant);
  env_.Set("AZURE_CLIENT_ID", kClient);
  env_.Set("AZURE_FEDERATED_TOKEN_FILE", file);
  env_.Set("AZURE_CLIENT_SECRET", "s");
  auto both = MakeDefaultAzureIdentity(env_, AzureSettings{}, kTokenExchangeScope, http_, clock_);
  http_.Enqueue(200, Token("by-secret"));
  EXPECT_EQ(both->GetToken()->token, "by-secret");
  EXPECT_EQ(both->Name(), "client secret (AZURE_CLIENT_SECRET)");
}

std::string OwnJwt() {
  return Base64UrlEncode(R"({"alg":"RS256","typ":"JWT"})") + "." +
         Base64UrlEncode(R"({"iss":"https://login.microsoftonline.com/sluice-tenant/v2.0",)"
                         R"("sub":"mi-object-id","aud":"api://AzureADTokenExchange"})") +
         ".c2ln";
}

TEST_F(EntraTest, TheAppRegistrationIsReachedWithTheServersTokenAsAssertion) {
  StaticTokenProvider own(AccessToken{OwnJwt(), 0});
  FederatedAppTokenProvider app(kTenant, kClient, kAzureStorageScope, own, Options(), http_,
                                clock_);
  http_.Enqueue(200, Token("storage"));
  ASSERT_EQ(app.GetToken()->token, "storage");
  const RecordedRequest r = http_.requests()[0];
  EXPECT_EQ(r.url, std::string("https://login.example/") + kTenant + "/oauth2/v2.0/token");
  auto form = Form(r);
  EXPECT_EQ(form["client_id"], kClient);
  EXPECT_EQ(form["scope"], "https://storage.azure.com/.default");
  EXPECT_EQ(form["client_assertion"], OwnJwt());
  EXPECT_EQ(form.count("client_secret"), 0u);
}

TEST_F(EntraTest, AMissingFederatedCredentialSaysWhichIssuerAndSubjectToTrust) {
  StaticTokenProvider own(AccessToken{OwnJwt(), 0});
  FederatedAppTokenProvider app(kTenant, kClient, kAzureStorageScope, own, Options(), http_,
                                clock_);
  http_.Enqueue(
      400,
      R"({"error":"invalid_request","error_description":"AADSTS70021: No matching federated identity record found for presented assertion."})");
  const Status s = app.GetToken().status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(
      s.message().find(std::string("the app registration ") + kClient + " in tenant " + kTenant +
                       " must exist and hold a federated identity credential for "
                       "issuer https://login.microsoftonline.com/sluice-tenant/"
                       "v2.0 and subject mi-object-id with audience "
                       "api://AzureADTokenExchange"),
      std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("AADSTS70021"), std::string::npos);
  // The server's own token (the assertion) never appears in the message.
  EXPECT_EQ(s.message().find(OwnJwt()), std::string::npos);
  auto own_token = own.GetToken();
  ASSERT_TRUE(own_token.ok());
  auto subject = DescribeFederatedSubject(own_token->token);
  ASSERT_TRUE(subject.ok());
  EXPECT_EQ(subject->subject, "mi-object-id");
}

TEST_F(EntraTest, TenantAndClientIdsAreCheckedBeforeTheyReachAUrl) {
  EXPECT_TRUE(ValidateTenantId(kTenant).ok());
  EXPECT_TRUE(ValidateTenantId("contoso.onmicrosoft.com").ok());
  EXPECT_FALSE(ValidateTenantId("../../evil").ok());
  EXPECT_FALSE(ValidateTenantId("common/oauth2").ok());
  EXPECT_TRUE(ValidateClientId(kClient).ok());
  EXPECT_FALSE(ValidateClientId("my-app").ok());
  StaticTokenProvider own(AccessToken{OwnJwt(), 0});
  FederatedAppTokenProvider bad("a/b", kClient, kAzureStorageScope, own, Options(), http_, clock_);
  EXPECT_EQ(bad.GetToken().status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(http_.calls(), 0u);
}

}  // namespace
}  // namespace sluice::cloud
