#include "server/fault_hook.h"

#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <memory>

#include "common/log.h"

namespace sluice::server {

Result<FaultKillAt> ParseFaultKillAt(std::string_view spec) {
  constexpr std::array<std::string_view, 4> kPoints = {"planned", "upload", "uploaded",
                                                       "committed"};
  const size_t colon = spec.rfind(':');
  const std::string usage =
      "SLUICE_FAULT_KILL_AT must be <point>:<n> with point planned, upload, uploaded or "
      "committed and n >= 1";
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

}  // namespace sluice::server
