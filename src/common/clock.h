// Clock: the one way sluice reads the time, so tests can use a FakeClock
// (tests/testing/fake_clock.h) instead of the wall clock.
#pragma once

#include <chrono>
#include <cstdint>

namespace sluice {

// Microseconds since the Unix epoch, UTC. Timestamps in sluice are carried as this type.
using TimestampMicros = int64_t;

// Thread-safe implementations only.
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, microseconds since the Unix epoch.
  virtual TimestampMicros NowMicros() = 0;
  // Monotonic time for measuring durations, microseconds from an arbitrary origin.
  virtual int64_t MonotonicMicros() = 0;
  // Blocks for the given duration (a fake advances its time instead).
  virtual void SleepMicros(int64_t micros) = 0;
};

// The system clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  TimestampMicros NowMicros() override;
  int64_t MonotonicMicros() override;
  void SleepMicros(int64_t micros) override;
};

// A process-wide SystemClock, for wiring code that has no clock injected. Stateless.
Clock& RealClock();

}  // namespace sluice
