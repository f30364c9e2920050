// Helpers of the cloud integration tests for the servers they start on loopback: a free port,
// a child process that dies with the test, waiting until a port accepts connections, and
// running a command for its output.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace sluice::testing {

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();
// Polls for up to 30 s until 127.0.0.1:port accepts a connection.
bool WaitForPort(int port);
// Forks and execs argv[0] (searched on PATH) with `env` added to the environment; the child's
// stdout and stderr go to /dev/null unless `log_path` names a file, and it gets SIGTERM when
// the test process dies. Returns the pid, or -1.
pid_t Spawn(const std::vector<std::string>& argv,
            const std::vector<std::pair<std::string, std::string>>& env = {},
            const std::string& log_path = "");
// SIGTERM and wait; sets pid to -1.
void StopChild(pid_t& pid);
// Runs a shell command and returns its standard output. kInternal when it exits non-zero.
Result<std::string> RunCommand(const std::string& command);
// tests/integration/cloud and tests/ in the source tree, from SLUICE_SOURCE_DIR.
std::string CloudIntegrationDir();
std::string TestsDir();

}  // namespace sluice::testing
