#include "server/fault_hook.h"

#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <random>
#include <thread>

#include "common/log.h"

namespace sluice::server {

Result<FaultKillAt> ParseFaultKillAt(std::string_view spec) {
  constexpr std::array<std::string_view, 5> kPoints = {"planned", "upload", "uploaded", "committed",
                                                       "imported"};
  const size_t colon = spec.rfind(':');
  const std::string usage =
      "SLUICE_FAULT_KILL_AT must be <point>:<n> with point planned, upload, uploaded, "
      "committed or imported and n >= 1";
  if (colon == std::string_view::npos) return InvalidArgumentError(usage);
  FaultKillAt at;
  at.point = std::string(spec.substr(0, colon));
  bool known = false;
  for (std::string_view p : kPoints) known = known || p == at.point;
  const std::string count(spec.substr(colon + 1));
  char* end = nullptr;
  at.nth = std::strtoll(count.c_str(), &end, 10);
  if (!known || count.empty() || *end != '\0' || at.nth < 1) return InvalidArgumentError(usage);
  return at;
}

std::function<void(std::string_view)> MakeKillHook(const FaultKillAt& at) {
  auto seen = std::make_shared<std::atomic<int64_t>>(0);
  return [at, seen](std::string_view point) {
    if (point != at.point || ++*seen != at.nth) return;
    SLUICE_LOG_WARN("SLUICE_FAULT_KILL_AT: killing the process at {} #{}", at.point, at.nth);
    spdlog::default_logger()->flush();
    ::kill(::getpid(), SIGKILL);
  };
}

Result<std::function<void(uint64_t)>> XactDelayHookFromEnv() {
  const char* value = std::getenv("SLUICE_TEST_XACT_DELAY_US");
  if (value == nullptr || *value == '\0') return std::function<void(uint64_t)>();
  char* end = nullptr;
  const long long max_us = std::strtoll(value, &end, 10);
  if (*end != '\0' || max_us < 1 || max_us > 10'000'000) {
    return InvalidArgumentError(
        "SLUICE_TEST_XACT_DELAY_US must be a number of microseconds from 1 to 10000000 (got \"" +
        std::string(value) + "\")");
  }
  SLUICE_LOG_WARN("SLUICE_TEST_XACT_DELAY_US: insert transactions wait up to {} us (tests only)",
                  max_us);
  return std::function<void(uint64_t)>([max_us](uint64_t xact_id) {
    thread_local std::mt19937_64 rng(std::random_device{}() ^ xact_id);
    std::this_thread::sleep_for(
        std::chrono::microseconds(static_cast<int64_t>(rng() % static_cast<uint64_t>(max_us))));
  });
}

}  // namespace sluice::server
