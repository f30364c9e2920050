// The default AWS credential chain, in the SDKs' order: explicit keys, environment variables,
// the shared credentials/config files, a web identity token (STS AssumeRoleWithWebIdentity),
// the ECS container endpoint, and EC2 instance metadata (IMDSv2). Each source is a
// CredentialsProvider; temporary credentials are cached and refreshed before expiry.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cloud/aws/aws_config.h"
#include "cloud/aws/credentials.h"
#include "cloud/aws/sts_client.h"
#include "cloud/expiring_cache.h"
#include "cloud/http/http_client.h"

namespace sluice::cloud {

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN. Thread-safe.
class EnvironmentCredentialsProvider final : public CredentialsProvider {
 public:
  explicit EnvironmentCredentialsProvider(const Environment& env) : env_(env) {}
  Result<AwsCredentials> GetCredentials() override;
  std::string Name() const override { return "environment"; }

 private:
  const Environment& env_;
};

// aws_access_key_id/aws_secret_access_key/aws_session_token of the profile, from the shared
// credentials file first, then the config file. Re-reads the files on every call. Thread-safe.
class ProfileCredentialsProvider final : public CredentialsProvider {
 public:
  explicit ProfileCredentialsProvider(AwsSettings settings) : settings_(std::move(settings)) {}
  Result<AwsCredentials> GetCredentials() override;
  std::string Name() const override { return "profile " + settings_.profile; }

 private:
  const AwsSettings settings_;
};

// Caches what Fetch returns until shortly before its expiration (ExpiringCache). Thread-safe.
class RefreshingCredentialsProvider : public CredentialsProvider {
 public:
  explicit RefreshingCredentialsProvider(Clock& clock) : cache_(clock) {}
  Result<AwsCredentials> GetCredentials() final {
    return cache_.Get([this] { return Fetch(); });
  }
  void Invalidate() final { cache_.Invalidate(); }

 protected:
  virtual Result<AwsCredentials> Fetch() = 0;

 private:
  ExpiringCache<AwsCredentials> cache_;
};

// AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+ AWS_ROLE_SESSION_NAME) through STS.
class WebIdentityCredentialsProvider final : public RefreshingCredentialsProvider {
 public:
  WebIdentityCredentialsProvider(const Environment& env, StsOptions sts, HttpClient& http,
                                 Clock& clock);
  std::string Name() const override { return "web-identity"; }

 protected:
  Result<AwsCredentials> Fetch() override;

 private:
  const Environment& env_;
  StsClient sts_;
};

// The ECS/EKS container endpoint: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on 169.254.170.2) or
// AWS_CONTAINER_CREDENTIALS_FULL_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE).
class ContainerCredentialsProvider final : public RefreshingCredentialsProvider {
 public:
  ContainerCredentialsProvider(const Environment& env, HttpClient& http, Clock& clock)
      : RefreshingCredentialsProvider(clock), env_(env), http_(http) {}
  std::string Name() const override { return "container"; }

 protected:
  Result<AwsCredentials> Fetch() override;

 private:
  const Environment& env_;
  HttpClient& http_;
};

// EC2 instance metadata, IMDSv2: PUT a session token first, then read the role's credentials;
// each request times out after kTimeoutMs. Disabled by AWS_EC2_METADATA_DISABLED=true.
// AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the address.
class ImdsCredentialsProvider final : public RefreshingCredentialsProvider {
 public:
  static constexpr int64_t kTimeoutMs = 1000;
  ImdsCredentialsProvider(const Environment& env, HttpClient& http, Clock& clock)
      : RefreshingCredentialsProvider(clock), env_(env), http_(http) {}
  std::string Name() const override { return "ec2-instance-metadata"; }

 protected:
  Result<AwsCredentials> Fetch() override;

 private:
  const Environment& env_;
  HttpClient& http_;
};

// Tries each provider in order; a provider answering kNotFound passes to the next, any other
// error stops the chain. Remembers the provider that worked. Thread-safe.
class ChainCredentialsProvider final : public CredentialsProvider {
 public:
  explicit ChainCredentialsProvider(std::vector<std::unique_ptr<CredentialsProvider>> providers)
      : providers_(std::move(providers)) {}
  // kNotFound listing why each source had nothing, when none did.
  Result<AwsCredentials> GetCredentials() override;
  void Invalidate() override;
  std::string Name() const override;

 private:
  std::vector<std::unique_ptr<CredentialsProvider>> providers_;
  std::mutex mu_;
  CredentialsProvider* last_ = nullptr;  // guarded by mu_
};

// The default chain. `explicit_credentials` (sluice's own configuration) comes first when
// set. `env`, `http` and `clock` are borrowed and must outlive the chain.
std::unique_ptr<CredentialsProvider> MakeDefaultCredentialsChain(
    const Environment& env, const AwsSettings& settings, HttpClient& http, Clock& clock,
    std::optional<AwsCredentials> explicit_credentials = std::nullopt);

}  // namespace sluice::cloud
