// Runs the third-party readers in tests/readers/ (DuckDB, hyparquet, parquet-wasm under node)
// on a file a test wrote, passing the schema and rows the test wrote as the expected content.
#pragma once

#include <string>
#include <vector>

#include "common/json.h"
#include "format/row.h"

namespace sluice::format::testing {

struct JudgeResult {
  bool ok = false;
  std::string output;  // everything the script printed
  Json summary;        // its last line, parsed
};

// Writes `<dir>/schema.json` and `<dir>/rows.jsonl` in the readers' expected encoding.
void WriteExpected(const std::string& dir, const Schema& schema, const std::vector<Row>& rows);

// Empty when the npm readers are installed (tests/node_modules), else the message saying to run
// scripts/setup.
std::string MissingJudges();

// Runs `node <source dir>/<script> <args...>` (a path from the source tree's root). Fails the
// test (ADD_FAILURE) with MissingJudges() when tests/node_modules is missing; `summary` is
// then null.
JudgeResult RunNodeScript(const std::string& script, const std::vector<std::string>& args);

// Runs `node tests/readers/<script> <args...>`. Fails the test (ADD_FAILURE) with
// MissingJudges() when tests/node_modules is missing; `summary` is then null.
JudgeResult RunJudge(const std::string& script, const std::vector<std::string>& args);

}  // namespace sluice::format::testing
