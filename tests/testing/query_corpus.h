// The query corpus (tests/unit/query/cases.txt): each case is "### name", the query (one or
// more lines), then "@@ rows" with the expected rows as a JSON array, or "@@ error" with the
// exact error message. Read by the query tests and by the export tests, which run every case
// through both outputs of the engine.
#pragma once

#include <string>
#include <vector>

namespace sluice::testing {

struct QueryCase {
  std::string name;
  std::string query;
  bool expect_error = false;
  std::string expected;  // JSON array of rows, or the exact error message
  int line = 0;          // of "### name" in the file
};

// The cases of the corpus in the source tree (SourceDir()); empty when it cannot be read.
std::vector<QueryCase> LoadQueryCases();

}  // namespace sluice::testing
