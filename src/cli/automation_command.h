// `sluice automation run|status|reset ID`: operate an automation of a running sluice server
// over its REST API (so the server's scheduler and the command never run it twice), for export
// and retention automations alike. Output is for people; `--json` prints the server's answer.
#pragma once

#include <iosfwd>
#include <string>

namespace sluice::cli {

struct AutomationCommand {
  std::string action;  // "run", "status" or "reset"
  std::string automation_id;
  std::string url;      // http://host:port of the server
  std::string api_key;  // empty: SLUICE_API_KEY, then <data_dir>/credentials
  std::string data_dir = "./sluice-data";
  bool json = false;  // print the server's JSON answer as it is
  bool yes = false;   // reset without asking
  int history = 10;   // status: runs shown
};

// Runs the command, writing results to `out` and progress and errors to `err`. Returns the
// process exit code: 0 success, 1 failure (including a run that ended with status error),
// 2 bad usage.
int RunAutomationCommand(const AutomationCommand& command, std::ostream& out, std::ostream& err);

}  // namespace sluice::cli
