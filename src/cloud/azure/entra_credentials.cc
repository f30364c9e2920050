#include "cloud/azure/entra_credentials.h"

#include <cctype>

#include "cloud/azure/managed_identity.h"
#include "cloud/oauth/jwt_claims.h"
#include "cloud/oauth/token_endpoint.h"

namespace sluice::cloud {
namespace {

constexpr char kAssertionType[] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

bool IsGuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// The client credentials grant at the tenant's v2.0 token endpoint.
TokenRequest ClientCredentials(const EntraOptions& options, const std::string& tenant,
                               const std::string& client_id, const std::string& scope) {
  TokenRequest r;
  r.url = options.authority_host + "/" + UriEncode(tenant) + "/oauth2/v2.0/token";
  r.form = {{"grant_type", "client_credentials"}, {"client_id", client_id}, {"scope", scope}};
  r.issuer = "Microsoft Entra ID (tenant " + tenant + ")";
  return r;
}

}  // namespace

Status ValidateTenantId(std::string_view t) {
  if (IsGuid(t)) return Status();
  bool ok = !t.empty() && t.size() <= 253 && t.find('.') != std::string_view::npos;
  for (char c : t) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-');
  }
  if (ok) return Status();
  return InvalidArgumentError(
      "tenant_id must be a directory (tenant) id, a GUID such as "
      "00000000-0000-0000-0000-000000000000, or a domain name");
}

Status ValidateClientId(std::string_view c) {
  if (IsGuid(c)) return Status();
  return InvalidArgumentError(
      "client_id must be an application (client) id, a GUID such as "
      "00000000-0000-0000-0000-000000000000");
}

ClientSecretTokenProvider::ClientSecretTokenProvider(const Environment& env, std::string scope,
                                                     EntraOptions options, HttpClient& http,
                                                     Clock& clock)
    : RefreshingTokenProvider(clock),
      env_(env),
      scope_(std::move(scope)),
      options_(std::move(options)),
      http_(http),
      retry_(options_.retry, clock) {}

Result<AccessToken> ClientSecretTokenProvider::Fetch() {
  auto tenant = env_.Get("AZURE_TENANT_ID");
  auto client = env_.Get("AZURE_CLIENT_ID");
  auto secret = env_.Get("AZURE_CLIENT_SECRET");
  if (!tenant || !client || !secret) {
    return NotFoundError("AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET not set");
  }
  TokenRequest r = ClientCredentials(options_, *tenant, *client, scope_);
  r.form.emplace_back("client_secret", *secret);
  return RequestToken(http_, retry_, clock_, r);
}

WorkloadIdentityTokenProvider::WorkloadIdentityTokenProvider(const Environment& env,
                                                             std::string scope,
                                                             EntraOptions options, HttpClient& http,
                                                             Clock& clock)
    : RefreshingTokenProvider(clock),
      env_(env),
      scope_(std::move(scope)),
      options_(std::move(options)),
      http_(http),
      retry_(options_.retry, clock) {}

Result<AccessToken> WorkloadIdentityTokenProvider::Fetch() {
  auto file = env_.Get("AZURE_FEDERATED_TOKEN_FILE");
  auto tenant = env_.Get("AZURE_TENANT_ID");
  auto client = env_.Get("AZURE_CLIENT_ID");
  if (!file || !tenant || !client) {
    return NotFoundError("AZURE_FEDERATED_TOKEN_FILE/AZURE_TENANT_ID/AZURE_CLIENT_ID not set");
  }
  auto assertion = ReadTextFile(*file);
  if (!assertion.ok()) {
    return FailedPreconditionError("AZURE_FEDERATED_TOKEN_FILE: " + assertion.status().message());
  }
  TokenRequest r = ClientCredentials(options_, *tenant, *client, scope_);
  r.form.emplace_back("client_assertion_type", kAssertionType);
  r.form.emplace_back("client_assertion", *assertion);
  return RequestToken(http_, retry_, clock_, r);
}

FederatedAppTokenProvider::FederatedAppTokenProvider(std::string tenant_id, std::string client_id,
                                                     std::string scope, TokenProvider& assertion,
                                                     EntraOptions options, HttpClient& http,
                                                     Clock& clock)
    : RefreshingTokenProvider(clock),
      tenant_id_(std::move(tenant_id)),
      client_id_(std::move(client_id)),
      scope_(std::move(scope)),
      assertion_(assertion),
      options_(std::move(options)),
      http_(http),
      retry_(options_.retry, clock) {}

std::string FederatedAppTokenProvider::Name() const {
  return "app registration " + client_id_ + " (tenant " + tenant_id_ + ")";
}

Result<AccessToken> FederatedAppTokenProvider::Fetch() {
  SLUICE_RETURN_IF_ERROR(ValidateTenantId(tenant_id_));
  SLUICE_RETURN_IF_ERROR(ValidateClientId(client_id_));
  auto own = assertion_.GetToken();
  if (!own.ok()) {
    return own.status().WithContext("sluice's own Azure identity (" + assertion_.Name() + ")");
  }
  TokenRequest r = ClientCredentials(options_, tenant_id_, client_id_, scope_);
  r.form.emplace_back("client_assertion_type", kAssertionType);
  r.form.emplace_back("client_assertion", own->token);
  auto token = RequestToken(http_, retry_, clock_, r);
  if (token.ok() || IsRetryable(token.status())) return token;
  std::string trust = "sluice's identity";
  if (auto who = DescribeFederatedSubject(own->token); who.ok()) {
    trust = "issuer " + who->issuer + " and subject " + who->subject;
  }
  return Status(token.status().code(),
                "the app registration " + client_id_ + " in tenant " + tenant_id_ +
                    " must exist and hold a federated identity credential for " + trust +
                    " with audience api://AzureADTokenExchange [" + token.status().message() + "]");
}

Result<FederatedSubject> DescribeFederatedSubject(std::string_view jwt) {
  SLUICE_ASSIGN_OR_RETURN(Json claims, UnverifiedJwtClaims(jwt));
  return FederatedSubject{ClaimString(claims, "iss"), ClaimString(claims, "sub")};
}

std::unique_ptr<TokenProvider> MakeDefaultAzureIdentity(const Environment& env,
                                                        const AzureSettings& settings,
                                                        std::string scope, HttpClient& http,
                                                        Clock& clock) {
  EntraOptions options;
  options.authority_host = settings.authority_host;
  std::vector<std::unique_ptr<TokenProvider>> chain;
  chain.push_back(std::make_unique<ClientSecretTokenProvider>(env, scope, options, http, clock));
  chain.push_back(
      std::make_unique<WorkloadIdentityTokenProvider>(env, scope, options, http, clock));
  chain.push_back(std::make_unique<ManagedIdentityTokenProvider>(env, scope, http, clock));
  return std::make_unique<ChainTokenProvider>("Azure identity", std::move(chain));
}

}  // namespace sluice::cloud
