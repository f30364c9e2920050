// Microsoft Entra ID token sources, in the order of the Azure SDKs' DefaultAzureCredential: a
// client secret from the environment, workload identity (a federated token file), and a managed
// identity (managed_identity.h); and the customer's app registration, reached by presenting the
// server's own token as a federated client assertion (OAuth 2.0 client credentials with a
// jwt-bearer client_assertion), which is how sluice writes without any long-lived key.
#pragma once

#include <memory>
#include <string>

#include "cloud/azure/azure_settings.h"
#include "cloud/environment.h"
#include "cloud/http/http_client.h"
#include "cloud/oauth/token_providers.h"
#include "cloud/retry.h"

namespace sluice::cloud {

// The scope of Azure Storage data access.
inline constexpr char kAzureStorageScope[] = "https://storage.azure.com/.default";
// The audience Entra ID accepts in a federated identity credential.
inline constexpr char kTokenExchangeScope[] = "api://AzureADTokenExchange/.default";

// OK for a directory (tenant) id: a GUID or a domain name ("contoso.onmicrosoft.com").
Status ValidateTenantId(std::string_view tenant_id);
// OK for an application (client) id: a GUID.
Status ValidateClientId(std::string_view client_id);

struct EntraOptions {
  // "https://login.microsoftonline.com" (AzureSettings::authority_host).
  std::string authority_host = kDefaultAuthorityHost;
  RetryOptions retry{4, 200, 2'000, 20'000};
};

// AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET: the client credentials grant with a
// secret, for `scope`. kNotFound when they are not all set. Thread-safe.
class ClientSecretTokenProvider final : public RefreshingTokenProvider {
 public:
  ClientSecretTokenProvider(const Environment& env, std::string scope, EntraOptions options,
                            HttpClient& http, Clock& clock);
  std::string Name() const override { return "client secret (AZURE_CLIENT_SECRET)"; }

 protected:
  Result<AccessToken> Fetch() override;

 private:
  const Environment& env_;
  const std::string scope_;
  const EntraOptions options_;
  HttpClient& http_;
  RetryPolicy retry_;
};

// AZURE_FEDERATED_TOKEN_FILE + AZURE_TENANT_ID + AZURE_CLIENT_ID (AKS workload identity): the
// file's token (read again for every fetch, as it rotates) as the client assertion.
class WorkloadIdentityTokenProvider final : public RefreshingTokenProvider {
 public:
  WorkloadIdentityTokenProvider(const Environment& env, std::string scope, EntraOptions options,
                                HttpClient& http, Clock& clock);
  std::string Name() const override { return "workload identity (AZURE_FEDERATED_TOKEN_FILE)"; }

 protected:
  Result<AccessToken> Fetch() override;

 private:
  const Environment& env_;
  const std::string scope_;
  const EntraOptions options_;
  HttpClient& http_;
  RetryPolicy retry_;
};

// A token of the app registration `client_id` in `tenant_id` for `scope`, obtained with a
// token from `assertion` (the server's own identity, for kTokenExchangeScope) as the client
// assertion. The app registration must hold a federated identity credential trusting that
// token's issuer and subject; when Entra ID refuses, the error says which ones. `assertion`
// is borrowed. Thread-safe.
class FederatedAppTokenProvider final : public RefreshingTokenProvider {
 public:
  FederatedAppTokenProvider(std::string tenant_id, std::string client_id, std::string scope,
                            TokenProvider& assertion, EntraOptions options, HttpClient& http,
                            Clock& clock);
  std::string Name() const override;

 protected:
  Result<AccessToken> Fetch() override;

 private:
  const std::string tenant_id_;
  const std::string client_id_;
  const std::string scope_;
  TokenProvider& assertion_;
  const EntraOptions options_;
  HttpClient& http_;
  RetryPolicy retry_;
};

// The issuer and subject of the server's own Entra identity, read from one of its tokens (a
// JWT; what a federated identity credential must name). kInvalidArgument for a token that is
// not a JWT.
struct FederatedSubject {
  std::string issuer;
  std::string subject;
};
Result<FederatedSubject> DescribeFederatedSubject(std::string_view jwt);

// The server's own Entra identity for `scope`: client secret, workload identity, managed
// identity, in that order. `env`, `http` and `clock` are borrowed.
std::unique_ptr<TokenProvider> MakeDefaultAzureIdentity(const Environment& env,
                                                        const AzureSettings& settings,
                                                        std::string scope, HttpClient& http,
                                                        Clock& clock);

}  // namespace sluice::cloud
