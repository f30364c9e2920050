// How the benches call their DuckDB peer (the Node.js scripts of bench/format and bench/query):
// DuckDB's column types for the span export's schema, and a command's output.
#pragma once

#include <cstdio>
#include <string>

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

}  // namespace sluice::bench
