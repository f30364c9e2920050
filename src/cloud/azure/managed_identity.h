// Tokens of an Azure managed identity: the App Service / Container Apps / Functions endpoint
// (IDENTITY_ENDPOINT + IDENTITY_HEADER, API version 2019-08-01) when the platform sets it,
// otherwise the Azure Instance Metadata Service (169.254.169.254, API version 2018-02-01,
// "Metadata: true"). AZURE_CLIENT_ID selects a user-assigned identity.
#pragma once

#include <string>

#include "cloud/environment.h"
#include "cloud/http/http_client.h"
#include "cloud/oauth/token_providers.h"

namespace sluice::cloud {

// Thread-safe. kNotFound when no managed identity answers here (IMDS unreachable within
// kTimeoutMs, or "Identity not found"), so a chain moves on.
class ManagedIdentityTokenProvider final : public RefreshingTokenProvider {
 public:
  static constexpr int64_t kTimeoutMs = 1000;
  // `scope` as for Entra ID ("https://storage.azure.com/.default"); the endpoint is asked for
  // its resource (the scope without "/.default"). AZURE_POD_IDENTITY_AUTHORITY_HOST overrides
  // the IMDS address, as in the SDKs.
  ManagedIdentityTokenProvider(const Environment& env, std::string scope, HttpClient& http,
                               Clock& clock);
  std::string Name() const override { return "managed identity"; }

 protected:
  Result<AccessToken> Fetch() override;

 private:
  Result<AccessToken> FromAppService(const std::string& endpoint, const std::string& header);
  Result<AccessToken> FromImds();

  const Environment& env_;
  const std::string resource_;
  HttpClient& http_;
};

}  // namespace sluice::cloud
