// Retry with exponential backoff and full jitter ("sleep = random(0, min(cap, base * 2^n))"),
// bounded both in attempts and in total elapsed time. Whether a failure is retried is decided
// by sluice::IsRetryable alone.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <random>

#include "common/clock.h"
#include "common/status.h"

namespace sluice::cloud {

struct RetryOptions {
  // Attempts in total, including the first (1 = no retries).
  int max_attempts = 6;
  // Backoff ceiling before the first retry; doubles per retry up to max_backoff_ms.
  int64_t initial_backoff_ms = 100;
  int64_t max_backoff_ms = 5'000;
  // No new attempt starts once this much time has passed since the first one.
  int64_t max_total_ms = 60'000;
};

// Thread-safe (the jitter source is guarded by a mutex).
class RetryPolicy {
 public:
  // `clock` is borrowed and must outlive the policy. `seed` fixes the jitter for tests.
  RetryPolicy(RetryOptions options, Clock& clock, uint64_t seed = std::random_device{}());

  // Runs `attempt` until it succeeds, fails with a non-retryable error, or the bounds are
  // reached. The last error is returned with "after N attempts" added when retries happened.
  Status Run(const std::function<Status()>& attempt);

  // The delay before retry number `retry` (0-based), in milliseconds; jittered.
  int64_t BackoffMs(int retry);

  const RetryOptions& options() const { return options_; }

 private:
  const RetryOptions options_;
  Clock& clock_;
  std::mutex mu_;
  std::mt19937_64 rng_;  // guarded by mu_
};

}  // namespace sluice::cloud
