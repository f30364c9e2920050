// Building blocks shared by the Azure and Google token sources: a cache that refreshes a token
// ahead of its expiry, and a chain that tries sources in order (the Azure SDKs'
// DefaultAzureCredential and Google's Application Default Credentials are both chains).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "cloud/expiring_cache.h"
#include "cloud/oauth/access_token.h"

namespace sluice::cloud {

// Caches what Fetch returns until shortly before its expiration (ExpiringCache); when a refresh
// fails with a retryable error while the cached token is still valid, the cached one is used.
// Thread-safe (one Fetch at a time).
class RefreshingTokenProvider : public TokenProvider {
 public:
  explicit RefreshingTokenProvider(Clock& clock) : clock_(clock), cache_(clock) {}
  Result<AccessToken> GetToken() final {
    return cache_.Get([this] { return Fetch(); });
  }
  void Invalidate() final { cache_.Invalidate(); }

 protected:
  virtual Result<AccessToken> Fetch() = 0;
  Clock& clock_;

 private:
  ExpiringCache<AccessToken> cache_;
};

// Tries each source in order; one answering kNotFound passes to the next, any other error
// stops the chain (a configured source that fails must not silently fall back to another
// identity). Remembers the source that worked. Thread-safe.
class ChainTokenProvider final : public TokenProvider {
 public:
  // `what` names the identity in the error when no source has one ("Azure identity").
  ChainTokenProvider(std::string what, std::vector<std::unique_ptr<TokenProvider>> sources)
      : what_(std::move(what)), sources_(std::move(sources)) {}
  // kNotFound listing why each source had nothing, when none did.
  Result<AccessToken> GetToken() override;
  void Invalidate() override;
  // The source that worked last, else "chain(a, b, c)".
  std::string Name() const override;

 private:
  const std::string what_;
  const std::vector<std::unique_ptr<TokenProvider>> sources_;
  mutable std::mutex mu_;
  TokenProvider* last_ = nullptr;  // guarded by mu_
};

}  // namespace sluice::cloud
