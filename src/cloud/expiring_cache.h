// ExpiringCache: one credential set or access token, held until shortly before it expires.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

#include "common/clock.h"
#include "common/status.h"

namespace sluice::cloud {

// Holds what `fetch` returned until kRefreshAheadSeconds before its `expiration` (microseconds
// since the epoch; 0: it does not expire), then fetches again. When a refresh fails with a
// retryable error while the held value is still valid, the held value is returned: valid
// credentials are better than none while their issuer is briefly unreachable. One fetch at a
// time. Thread-safe. T has a TimestampMicros member `expiration`.
template <typename T>
class ExpiringCache {
 public:
  static constexpr int64_t kRefreshAheadSeconds = 300;

  explicit ExpiringCache(Clock& clock) : clock_(clock) {}

  Result<T> Get(const std::function<Result<T>()>& fetch) {
    std::lock_guard<std::mutex> lock(mu_);
    const TimestampMicros now = clock_.NowMicros();
    if (cached_ && (cached_->expiration == 0 ||
                    cached_->expiration - now > kRefreshAheadSeconds * 1'000'000)) {
      return *cached_;
    }
    Result<T> fresh = fetch();
    if (!fresh.ok()) {
      if (cached_ && cached_->expiration > now && IsRetryable(fresh.status())) return *cached_;
      return fresh.status();
    }
    cached_ = *fresh;
    return fresh;
  }

  // The next Get fetches.
  void Invalidate() {
    std::lock_guard<std::mutex> lock(mu_);
    cached_.reset();
  }

 private:
  Clock& clock_;
  std::mutex mu_;
  std::optional<T> cached_;  // guarded by mu_
};

}  // namespace sluice::cloud
