#include "cloud/retry.h"

#include <algorithm>
#include <string>

namespace sluice::cloud {

RetryPolicy::RetryPolicy(RetryOptions options, Clock& clock, uint64_t seed)
    : options_(options), clock_(clock), rng_(seed) {}

int64_t RetryPolicy::BackoffMs(int retry) {
  const int shift = std::min(retry, 30);
  const int64_t cap = std::min(options_.max_backoff_ms, options_.initial_backoff_ms << shift);
  std::lock_guard<std::mutex> lock(mu_);
  std::uniform_int_distribution<int64_t> dist(0, std::max<int64_t>(cap, 0));
  return dist(rng_);
}

Status RetryPolicy::Run(const std::function<Status()>& attempt) {
  const int64_t start = clock_.MonotonicMicros();
  const int64_t budget_us = options_.max_total_ms * 1000;
  Status last;
  int attempts = 0;
  for (;;) {
    last = attempt();
    ++attempts;
    if (last.ok() || !IsRetryable(last)) break;
    if (attempts >= options_.max_attempts) break;
    const int64_t delay_us = BackoffMs(attempts - 1) * 1000;
    const int64_t elapsed = clock_.MonotonicMicros() - start;
    if (elapsed + delay_us >= budget_us) break;
    clock_.SleepMicros(delay_us);
  }
  if (!last.ok() && attempts > 1) {
    return last.WithContext("gave up after " + std::to_string(attempts) + " attempts");
  }
  return last;
}

}  // namespace sluice::cloud
