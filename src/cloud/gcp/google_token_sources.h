// The token sources of Google's Application Default Credentials: a service account key (a
// JWT signed with RS256 exchanged at the token endpoint, RFC 7523), gcloud's user credentials
// (a refresh token, RFC 6749 §6), workload identity federation (an external token exchanged at
// Google's Security Token Service, RFC 8693, then optionally a service account impersonated),
// and the metadata server of Compute Engine, GKE, Cloud Run and the like.
#pragma once

#include <memory>
#include <string>

#include "cloud/gcp/credentials_file.h"
#include "cloud/gcp/gcp_settings.h"
#include "cloud/gcp/rs256.h"
#include "cloud/http/http_client.h"
#include "cloud/oauth/token_providers.h"
#include "cloud/retry.h"

namespace sluice::cloud {

// The scope every ADC token is asked for (the IAM Credentials API requires it).
inline constexpr char kCloudPlatformScope[] = "https://www.googleapis.com/auth/cloud-platform";

RetryOptions GoogleTokenRetry();

// A service account key file. Thread-safe.
class ServiceAccountKeyTokenProvider final : public RefreshingTokenProvider {
 public:
  // kInvalidArgument when the file's private key is not an RSA PEM key.
  static Result<std::unique_ptr<ServiceAccountKeyTokenProvider>> Create(GoogleCredentialsFile file,
                                                                        HttpClient& http,
                                                                        Clock& clock);
  std::string Name() const override { return "service account key of " + file_.client_email; }
  // The JWT assertion for `now` (exposed for tests).
  Result<std::string> Assertion(TimestampMicros now) const;

 protected:
  Result<AccessToken> Fetch() override;

 private:
  ServiceAccountKeyTokenProvider(GoogleCredentialsFile file,
                                 std::unique_ptr<RsaSha256Signer> signer, HttpClient& http,
                                 Clock& clock);
  const GoogleCredentialsFile file_;
  const std::unique_ptr<RsaSha256Signer> signer_;
  HttpClient& http_;
  RetryPolicy retry_;
};

// gcloud's application default user credentials (a refresh token). Thread-safe.
class AuthorizedUserTokenProvider final : public RefreshingTokenProvider {
 public:
  AuthorizedUserTokenProvider(GoogleCredentialsFile file, HttpClient& http, Clock& clock);
  std::string Name() const override { return "gcloud user credentials in " + file_.path; }

 protected:
  Result<AccessToken> Fetch() override;

 private:
  const GoogleCredentialsFile file_;
  HttpClient& http_;
  RetryPolicy retry_;
};

// Workload identity federation: the subject token from the credential source (re-read for
// every fetch) exchanged at the file's token_url; then, when the file names one, the service
// account of service_account_impersonation_url impersonated with the result. Thread-safe.
class ExternalAccountTokenProvider final : public RefreshingTokenProvider {
 public:
  ExternalAccountTokenProvider(GoogleCredentialsFile file, HttpClient& http, Clock& clock);
  std::string Name() const override { return "workload identity federation (" + file_.path + ")"; }

 protected:
  Result<AccessToken> Fetch() override;

 private:
  Result<std::string> SubjectToken();
  const GoogleCredentialsFile file_;
  HttpClient& http_;
  RetryPolicy retry_;
};

// The metadata server's token of the attached service account. kNotFound when no metadata
// server answers within kTimeoutMs (not on Google Cloud). Thread-safe.
class MetadataServerTokenProvider final : public RefreshingTokenProvider {
 public:
  static constexpr int64_t kTimeoutMs = 1000;
  MetadataServerTokenProvider(GcpSettings settings, HttpClient& http, Clock& clock);
  std::string Name() const override { return "metadata server"; }
  // The attached service account's email.
  Result<std::string> Email();

 protected:
  Result<AccessToken> Fetch() override;

 private:
  const GcpSettings settings_;
  HttpClient& http_;
};

}  // namespace sluice::cloud
