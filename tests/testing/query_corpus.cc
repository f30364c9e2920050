#include "testing/query_corpus.h"

#include <fstream>

#include "testing/temp_dir.h"

namespace sluice::testing {
namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

}  // namespace

std::vector<QueryCase> LoadQueryCases() {
  std::ifstream in(SourceDir() + "/tests/unit/query/cases.txt");
  std::vector<QueryCase> cases;
  std::string line;
  int n = 0;
  enum { kNone, kQuery, kExpected } part = kNone;
  while (std::getline(in, line)) {
    ++n;
    if (line.rfind("### ", 0) == 0) {
      cases.push_back(QueryCase{Trim(line.substr(4)), "", false, "", n});
      part = kQuery;
    } else if (line.rfind("@@ ", 0) == 0 && !cases.empty()) {
      cases.back().expect_error = Trim(line.substr(3)) == "error";
      part = kExpected;
    } else if (part == kQuery) {
      cases.back().query += (cases.back().query.empty() ? "" : "\n") + line;
    } else if (part == kExpected) {
      cases.back().expected += line + "\n";
    }
  }
  for (QueryCase& c : cases) {
    c.query = Trim(c.query);
    c.expected = Trim(c.expected);
  }
  return cases;
}

}  // namespace sluice::testing
