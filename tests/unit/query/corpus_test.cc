// Runs every case of cases.txt (a query and its expected rows or error) over the fixed data set.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/json.h"
#include "query_test_util.h"
#include "testing/temp_dir.h"

namespace sluice::query::testing {
namespace {

struct Case {
  std::string name;
  std::string query;
  bool expect_error = false;
  std::string expected;  // JSON array of rows, or the exact error message
  int line = 0;
};

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<Case> LoadCases() {
  std::ifstream in(SLUICE_QUERY_CASES);
  std::vector<Case> cases;
  std::string line;
  int n = 0;
  enum { kNone, kQuery, kExpected } part = kNone;
  while (std::getline(in, line)) {
    ++n;
    if (line.rfind("### ", 0) == 0) {
      cases.push_back(Case{Trim(line.substr(4)), "", false, "", n});
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
  for (Case& c : cases) {
    c.query = Trim(c.query);
    c.expected = Trim(c.expected);
  }
  return cases;
}

class CorpusTest : public ::testing::TestWithParam<Case> {};

TEST_P(CorpusTest, MatchesExpectation) {
  const Case& c = GetParam();
  FakeEventSource source(TestDataset());
  Ran ran = RunOn(source, c.query);
  SCOPED_TRACE("cases.txt:" + std::to_string(c.line) + "\n" + c.query);
  if (c.expect_error) {
    ASSERT_FALSE(ran.status.ok()) << "rows: " << AsArray(ran.rows);
    EXPECT_EQ(ran.status.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(ran.status.message(), c.expected);
    return;
  }
  ASSERT_TRUE(ran.status.ok()) << ran.status.ToString();
  auto want = Json::Parse(c.expected);
  ASSERT_TRUE(want.ok()) << "bad expected JSON: " << want.status().ToString();
  auto got = Json::Parse(AsArray(ran.rows));
  ASSERT_TRUE(got.ok()) << AsArray(ran.rows);
  EXPECT_TRUE(*got == *want) << "got:  " << AsArray(ran.rows) << "\nwant: " << c.expected;
}

INSTANTIATE_TEST_SUITE_P(Cases, CorpusTest, ::testing::ValuesIn(LoadCases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string name = info.param.name;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name + "_L" + std::to_string(info.param.line);
                         });

TEST(CorpusFile, HasCases) { EXPECT_GT(LoadCases().size(), 50u); }

}  // namespace
}  // namespace sluice::query::testing
