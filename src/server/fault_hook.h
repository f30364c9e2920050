// Crash injection for the exactly-once tests: `SLUICE_FAULT_KILL_AT=<point>:<n>` makes the
// server SIGKILL itself the n-th time the export runner reaches <point> (see
// ExportRunnerOptions::fault_hook for the points) or an import has committed a file
// ("imported"). A test hook, documented in DEVELOPERS.md.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sluice::server {

struct FaultKillAt {
  std::string point;  // planned | upload | uploaded | committed (exports), imported (imports)
  int64_t nth = 1;    // from 1
};

// Parses "<point>:<n>". kInvalidArgument for an unknown point or a count below 1.
Result<FaultKillAt> ParseFaultKillAt(std::string_view spec);

// A hook that kills the process (SIGKILL, no cleanup) at the n-th call with `at.point`.
// Thread-safe.
std::function<void(std::string_view)> MakeKillHook(const FaultKillAt& at);

// Out-of-order commits for the cursor-invariant tests: with `SLUICE_TEST_XACT_DELAY_US=<n>` set,
// a hook that holds each PostgreSQL insert transaction open a random 0..n microseconds after it
// took its _xact_id (PgStoreOptions::after_xact_id_taken); without it, no hook. kInvalidArgument
// when the value is not a number from 1 to 10,000,000.
Result<std::function<void(uint64_t)>> XactDelayHookFromEnv();

}  // namespace sluice::server
