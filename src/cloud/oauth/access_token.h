// OAuth 2.0 bearer tokens (RFC 6750) and the abstract provider that yields them, as Azure
// (Microsoft Entra ID) and Google Cloud authorise storage calls. Implementations live in
// token_providers.h, cloud/azure/ and cloud/gcp/.
#pragma once

#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace sluice::cloud {

struct AccessToken {
  // Sent as "Authorization: Bearer <token>". A secret: never logged or put in a message.
  std::string token;
  // When it stops working, microseconds since the epoch; 0 = not said (treated as never).
  TimestampMicros expiration = 0;
};

// Thread-safe implementations only.
class TokenProvider {
 public:
  virtual ~TokenProvider() = default;
  // A token valid for a while yet, refreshed when near expiry. Errors: kNotFound when this
  // source is not configured here (a chain moves on), kUnavailable/kDeadlineExceeded for
  // transient failures, kUnauthenticated/kPermissionDenied when the issuer refused (with its
  // reason), kFailedPrecondition when the configuration is unusable.
  virtual Result<AccessToken> GetToken() = 0;
  // Drops a cached token so the next GetToken fetches a fresh one (after the service answered
  // that the token expired). The default does nothing.
  virtual void Invalidate() {}
  // A short name for messages ("managed identity", "impersonate x@p.iam.gserviceaccount.com").
  virtual std::string Name() const = 0;
};

// Always the same token. Thread-safe.
class StaticTokenProvider final : public TokenProvider {
 public:
  explicit StaticTokenProvider(AccessToken token) : token_(std::move(token)) {}
  Result<AccessToken> GetToken() override { return token_; }
  std::string Name() const override { return "static token"; }

 private:
  const AccessToken token_;
};

}  // namespace sluice::cloud
