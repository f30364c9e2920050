// Runs every case of cases.txt (a query and its expected rows or error) over the fixed data set.
#include <gtest/gtest.h>

#include "common/json.h"
#include "query_test_util.h"
#include "testing/query_corpus.h"

namespace sluice::query::testing {
namespace {

using Case = sluice::testing::QueryCase;

std::vector<Case> LoadCases() { return sluice::testing::LoadQueryCases(); }

class CorpusTest : public ::testing::TestWithParam<Case> {};

TEST_P(CorpusTest, MatchesExpectation) {
  const Case& c = GetParam();
  FakeEventSource source(TestDataset());
  Ran ran = RunOn(source, c.query);
  SCOPED_TRACE("cases.txt:" + std::to_string(c.line) + "\n" + c.query);
  if (c.expect_error) {
    EXPECT_EQ(ran.status.code(), StatusCode::kInvalidArgument);
  }
  ExpectCaseOutcome(c.expect_error, c.expected, ran);
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
