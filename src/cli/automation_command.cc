#include "cli/automation_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <ostream>

#include "cli/api_client.h"
#include "cloud/http/curl_http_client.h"
#include "common/json.h"
#include "common/time_util.h"

namespace sluice::cli {
namespace {

std::string Str(const Json& j, std::string_view key) {
  const Json* v = j.is_object() ? j.Find(key) : nullptr;
  if (v == nullptr || v->is_null()) return "";
  return v->is_string() ? v->string_value() : v->ToString();
}

int64_t Int(const Json& j, std::string_view key) {
  const Json* v = j.is_object() ? j.Find(key) : nullptr;
  if (v == nullptr || !v->is_number()) return 0;
  return static_cast<int64_t>(v->number_value());
}

// Which kind of automation the command operates, as its config says.
struct Kind {
  bool retention = false;    // a retention policy, else an export
  bool experiments = false;  // a retention policy of object_type experiment
};

std::string HumanBytes(int64_t b) {
  char buf[32];
  if (b < 1000) return std::to_string(b) + " B";
  if (b < 1'000'000)
    std::snprintf(buf, sizeof buf, "%.1f kB", b / 1e3);
  else if (b < 1'000'000'000)
    std::snprintf(buf, sizeof buf, "%.1f MB", b / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.2f GB", b / 1e9);
  return buf;
}

std::string Duration(const Json& run) {
  auto a = ParseRfc3339(Str(run, "started"));
  auto b = ParseRfc3339(Str(run, "finished"));
  if (!a.ok() || !b.ok()) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", (*b - *a) / 1e6);
  return buf;
}

// "1 row", "2 rows".
std::string Count(int64_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

// What a retention run did. For an experiment policy `exempt` counts experiments, not rows.
std::string RetentionWhat(const Json& stats, bool experiments) {
  std::string what = Count(Int(stats, "soft_deleted"), "row") + " soft-deleted";
  if (experiments) {
    what = Count(Int(stats, "experiments_deleted"), "experiment") + " deleted (" + what + ")";
  }
  what += ", " + Count(Int(stats, "exempt"), experiments ? "experiment" : "row") + " exempt";
  if (const int64_t held = Int(stats, "held_back"); held > 0) {
    what += ", " + Count(held, "row") + " held back";
  }
  return what + ", " + std::to_string(Int(stats, "purged")) + " purged, " +
         std::to_string(Int(stats, "restored")) + " restored";
}

// One line per run: when, trigger, status, what it did; then why rows were held back and the
// error, if any, on lines of their own.
std::string RunLine(const Json& run, const Kind& kind) {
  const Json* st = run.Find("stats");
  const Json stats = st != nullptr ? *st : Json::Object();
  const std::string what = kind.retention ? RetentionWhat(stats, kind.experiments)
                                          : Count(Int(stats, "rows"), "row") + " in " +
                                                Count(Int(stats, "files"), "file") + " (" +
                                                HumanBytes(Int(stats, "bytes")) + ")";
  std::string line = Str(run, "started") + "  " + Str(run, "trigger") + "  " + Str(run, "status") +
                     "  " + what + "  " + Duration(run);
  if (kind.retention && Int(stats, "held_back") > 0) {
    if (const std::string why = Str(stats, "held_back_reason"); !why.empty()) {
      line += "\n      held back: " + why;
    }
  }
  if (const std::string e = Str(run, "error"); !e.empty()) line += "\n      " + e;
  return line;
}

// Waits for the run, telling the user it is still going every few seconds.
Result<Json> RunWithProgress(Api& api, const std::string& path, std::ostream& err) {
  auto pending = std::async(std::launch::async, [&api, path] { return api.Call("POST", path); });
  const auto start = std::chrono::steady_clock::now();
  while (pending.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    const auto secs =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start)
            .count();
    err << "  still running (" << secs << " s)" << std::endl;
  }
  return pending.get();
}

bool Confirm(const std::string& question, std::ostream& err) {
  if (!isatty(STDIN_FILENO)) return false;
  err << question << " [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

int Fail(std::ostream& err, const Status& s) {
  err << "error: " << s.message() << "\n";
  return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

// `automation reset`: clears an export's cursor and run history, once confirmed.
int Reset(Api& api, const AutomationCommand& c, const std::string& base, const std::string& name,
          const Kind& kind, std::ostream& out, std::ostream& err) {
  if (kind.retention) {
    return Fail(err, InvalidArgumentError("reset applies to exports; a retention run is undone "
                                          "with POST /automation/retention/{id}/restore"));
  }
  if (!c.yes && !Confirm("Reset export \"" + name +
                             "\"? Its cursor and run history are "
                             "cleared and the next run exports everything again into new files.",
                         err)) {
    return Fail(err, InvalidArgumentError("not reset: confirm with --yes"));
  }
  auto status = api.Call("POST", base + "/reset");
  if (!status.ok()) return Fail(err, status.status());
  out << (c.json ? status->ToString()
                 : "reset \"" + name +
                       "\": the next run starts from the "
                       "beginning")
      << "\n";
  return 0;
}

// `automation status`: cursor, backlog, next run and the latest runs.
int ShowStatus(Api& api, const AutomationCommand& c, const std::string& base,
               const std::string& name, const Kind& kind, std::ostream& out, std::ostream& err) {
  auto status = api.Call("GET", base + "/status?limit=" + std::to_string(c.history));
  if (!status.ok()) return Fail(err, status.status());
  if (c.json) {
    out << status->ToString() << "\n";
    return 0;
  }
  out << name << " (" << (kind.retention ? "retention" : "export") << ", " << c.automation_id
      << ")\n";
  if (!kind.retention) {
    const Json* cursor = status->Find("cursor");
    out << "  cursor      _xact_id " << (cursor ? Str(*cursor, "xact_id") : "-") << "\n";
    out << "  backlog     "
        << (status->Find("backlog_capped") && status->Find("backlog_capped")->bool_value()
                ? "at least "
                : "")
        << Count(Int(*status, "backlog_rows"), "row") << "\n";
  }
  const std::string next = Str(*status, "next_run");
  out << "  next run    " << (next.empty() ? "paused" : next) << "\n";
  const Json* runs = status->Find("runs");
  if (runs == nullptr || !runs->is_array() || runs->array().empty()) {
    out << "  no runs yet\n";
    return 0;
  }
  out << "  runs (newest first):\n";
  for (const Json& r : runs->array()) out << "    " << RunLine(r, kind) << "\n";
  return 0;
}

}  // namespace

int RunAutomationCommand(const AutomationCommand& c, std::ostream& out, std::ostream& err) {
  auto key = ResolveApiKey(c.api_key, c.data_dir);
  if (!key.ok()) return Fail(err, key.status());
  Api api(c.url, *key);
  auto automation = api.Call("GET", "/v1/project_automation/" + c.automation_id);
  if (!automation.ok()) return Fail(err, automation.status());
  const Json* config = automation->Find("config");
  Kind kind;
  kind.retention = config != nullptr && Str(*config, "event_type") == "retention";
  kind.experiments = kind.retention && Str(*config, "object_type") == "experiment";
  const std::string base =
      (kind.retention ? "/automation/retention/" : "/automation/cron/") + c.automation_id;
  const std::string name = Str(*automation, "name");

  if (c.action == "run") {
    err << "running " << (kind.retention ? "retention" : "export") << " \"" << name << "\"…"
        << std::endl;
    auto run = RunWithProgress(api, base + "/run", err);
    if (!run.ok()) return Fail(err, run.status());
    out << (c.json ? run->ToString() : RunLine(*run, kind)) << "\n";
    return Str(*run, "status") == "error" ? 1 : 0;
  }
  if (c.action == "reset") return Reset(api, c, base, name, kind, out, err);
  return ShowStatus(api, c, base, name, kind, out, err);
}

}  // namespace sluice::cli
