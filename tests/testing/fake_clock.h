// FakeClock: a Clock whose time moves only when a test says so. Thread-safe.
#pragma once

#include <atomic>

#include "common/clock.h"

namespace sluice::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimestampMicros start = 1'700'000'000'000'000LL) : now_(start) {}
  TimestampMicros NowMicros() override { return now_.load(); }
  int64_t MonotonicMicros() override { return now_.load(); }
  // Advances the time instead of blocking.
  void SleepMicros(int64_t micros) override { Advance(micros); }

  void Advance(int64_t micros) { now_ += micros; }
  void Set(TimestampMicros t) { now_ = t; }

 private:
  std::atomic<TimestampMicros> now_;
};

}  // namespace sluice::testing
