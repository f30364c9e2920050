// How the benches call their DuckDB peer (the Node.js scripts of bench/format and bench/query):
// DuckDB's column types for the span export's schema, and a command's output.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "common/json.h"
#include "common/status.h"
#include "format/schemas.h"

namespace sluice::bench {

// The span schema's columns as the JSON object the DuckDB scripts take (`{"id":"VARCHAR",...}`),
// so DuckDB reads our JSON Lines with our types.
inline std::string DuckTypes() {
  const char* names[] = {"",        "BOOLEAN",     "BIGINT", "DOUBLE",
                         "VARCHAR", "TIMESTAMPTZ", "JSON",   "VARCHAR[]"};
  std::string out = "{";
  for (const format::Column& c : format::SpanSchema().columns) {
    if (out.size() > 1) out += ',';
    out += "\"" + c.name + "\":\"" + names[static_cast<int>(c.type)] + "\"";
  }
  return out + "}";
}

// Everything `cmd` (run by the shell) prints; an error holding that output when it cannot be
// started or exits with a failure.
inline Result<std::string> CommandOutput(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return UnavailableError("cannot run " + cmd);
  std::string text;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) text.append(buf, n);
  if (pclose(p) != 0) return UnavailableError(cmd + " failed: " + text);
  return text;
}

// The JSON object a DuckDB script printed, which must hold `key`; else an error holding what it
// printed (the script failed, or answered something else).
inline Result<Json> DuckDbAnswer(const std::string& cmd, const char* key) {
  SLUICE_ASSIGN_OR_RETURN(std::string text, CommandOutput(cmd));
  auto json = Json::Parse(text);
  if (!json.ok() || json->Find(key) == nullptr) return UnavailableError("DuckDB answered: " + text);
  return std::move(json).value();
}

// One step's figures as the DuckDB scripts print them (`{"seconds", "cpu_seconds", "bytes",
// "peak_rss_bytes"}`); a field that is absent reads 0 (peak RSS: -1, unknown).
struct StepFigures {
  double seconds = 0;
  double cpu_seconds = 0;
  int64_t bytes = 0;
  int64_t peak_rss_bytes = -1;
};

inline StepFigures ReadStepFigures(const Json* step) {
  StepFigures f;
  if (step == nullptr) return f;
  auto number = [step](const char* key, double absent) {
    const Json* v = step->Find(key);
    return v != nullptr ? v->number_value() : absent;
  };
  f.seconds = number("seconds", 0);
  f.cpu_seconds = number("cpu_seconds", 0);
  f.bytes = static_cast<int64_t>(number("bytes", 0));
  f.peak_rss_bytes = static_cast<int64_t>(number("peak_rss_bytes", -1));
  return f;
}

}  // namespace sluice::bench
