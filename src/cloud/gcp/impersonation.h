// Service account impersonation through the IAM Service Account Credentials API
// (projects.serviceAccounts.generateAccessToken): a token of the caller (who needs
// iam.serviceAccounts.getAccessToken on the target, e.g. roles/iam.serviceAccountTokenCreator)
// becomes a short-lived token of the target service account.
#pragma once

#include <string>
#include <vector>

#include "cloud/http/http_client.h"
#include "cloud/oauth/token_providers.h"
#include "cloud/retry.h"

namespace sluice::cloud {

// Cloud Storage read and write, what an export needs of the impersonated account.
inline constexpr char kDevstorageReadWriteScope[] =
    "https://www.googleapis.com/auth/devstorage.read_write";

// OK for a service account email ("name@project.iam.gserviceaccount.com" and the like).
Status ValidateServiceAccountEmail(std::string_view email);

// "<endpoint>/v1/projects/-/serviceAccounts/<email>:generateAccessToken".
std::string GenerateAccessTokenUrl(const std::string& iam_credentials_endpoint,
                                   const std::string& email);

// One generateAccessToken call with `caller`'s token: a token of `target` for `scopes`, good
// for an hour. Retries transient failures per `retry`. kPermissionDenied when the caller may not
// impersonate the target, saying which role it needs.
Result<AccessToken> GenerateAccessToken(HttpClient& http, RetryPolicy& retry,
                                        const std::string& url, const std::string& target,
                                        const AccessToken& caller,
                                        const std::vector<std::string>& scopes);

// Thread-safe. `source` is borrowed (the server's own identity).
class ImpersonatedTokenProvider final : public RefreshingTokenProvider {
 public:
  // `url` from GenerateAccessTokenUrl; `target` names the account in messages.
  ImpersonatedTokenProvider(TokenProvider& source, std::string url, std::string target,
                            std::vector<std::string> scopes, HttpClient& http, Clock& clock);
  std::string Name() const override { return "impersonated " + target_; }

 protected:
  // POSTs {"scope": [...], "lifetime": "3600s"} with the source's bearer token. A refusal
  // (403) says which role the caller needs on the target.
  Result<AccessToken> Fetch() override;

 private:
  TokenProvider& source_;
  const std::string url_;
  const std::string target_;
  const std::vector<std::string> scopes_;
  HttpClient& http_;
  RetryPolicy retry_;
};

}  // namespace sluice::cloud
