// AWS credentials and the abstract provider that yields them (static keys, the default chain,
// STS AssumeRole). Implementations live in credential_providers.h and sts_client.h.
#pragma once

#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace sluice::cloud {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  // Empty for long-term keys; sent as X-Amz-Security-Token otherwise.
  std::string session_token;
  // When temporary credentials stop working, microseconds since the epoch; 0 = never.
  TimestampMicros expiration = 0;

  bool empty() const { return access_key_id.empty() || secret_access_key.empty(); }
};

// Thread-safe implementations only.
class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Current credentials, refreshed when near expiry. Errors: kNotFound when this source has no
  // credentials configured (a chain moves on), kUnavailable for transient failures,
  // kPermissionDenied/kUnauthenticated when the source refused.
  virtual Result<AwsCredentials> GetCredentials() = 0;
  // Drops any cached credentials so the next GetCredentials fetches fresh ones (called after
  // the service answered ExpiredToken). The default does nothing.
  virtual void Invalidate() {}
  // A short name for messages ("environment", "assume-role").
  virtual std::string Name() const = 0;
};

// Always returns the same credentials. Thread-safe.
class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(AwsCredentials credentials)
      : credentials_(std::move(credentials)) {}
  Result<AwsCredentials> GetCredentials() override {
    if (credentials_.empty()) return NotFoundError("no static credentials given");
    return credentials_;
  }
  std::string Name() const override { return "static"; }

 private:
  const AwsCredentials credentials_;
};

}  // namespace sluice::cloud
