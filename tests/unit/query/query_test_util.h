// Helpers shared by the query tests: a sink that collects rows and a one-call runner over the
// fixed data set.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/json.h"
#include "query/query.h"
#include "testing/fake_clock.h"
#include "testing/fake_event_source.h"

namespace sluice::query::testing {

using sluice::testing::FakeEventSource;
using sluice::testing::kMinute;
using sluice::testing::kT0;
using sluice::testing::TestDataset;

class CollectingSink : public RowSink {
 public:
  Status OnRow(std::string_view json) override {
    rows.emplace_back(json);
    return Status::Ok();
  }
  std::vector<std::string> rows;
};

// Passes scans on without their JSON matches (and counts nothing): the engine's evaluation
// alone decides which rows match.
class NoJsonMatchesSource : public model::EventSource {
 public:
  explicit NoJsonMatchesSource(model::EventSource& inner) : inner_(inner) {}
  Result<std::unique_ptr<model::EventStream>> Scan(const model::ScanRequest& request) override {
    model::ScanRequest r = request;
    r.json_matches.clear();
    return inner_.Scan(r);
  }

 private:
  model::EventSource& inner_;
};

// now() of the fixed data set's queries: one day after kT0.
inline constexpr TimestampMicros kNow = kT0 + 24 * 60 * kMinute;

struct Ran {
  Status status;
  std::vector<std::string> rows;
  QueryResult result;
};

inline Ran RunOn(model::EventSource& source, const std::string& query, std::string cursor = "",
                 int64_t default_limit = 100, size_t max_answer_bytes = 0) {
  sluice::testing::FakeClock clock(kNow);
  QueryContext ctx;
  ctx.clock = &clock;
  ctx.default_limit = default_limit;
  ctx.max_answer_bytes = max_answer_bytes;
  ctx.cursor = std::move(cursor);
  CollectingSink sink;
  Ran ran;
  auto r = RunQuery(query, ctx, source, sink);
  ran.status = r.status();
  if (r.ok()) ran.result = *r;
  ran.rows = std::move(sink.rows);
  return ran;
}

// Joins rows into one JSON array text.
inline std::string AsArray(const std::vector<std::string>& rows) {
  std::string out = "[";
  for (size_t i = 0; i < rows.size(); ++i) out += (i ? "," : "") + rows[i];
  return out + "]";
}

// Checks a corpus case's outcome: its error message, or rows equal to its expected JSON.
inline void ExpectCaseOutcome(bool expect_error, const std::string& expected, const Ran& ran) {
  if (expect_error) {
    ASSERT_FALSE(ran.status.ok()) << "rows: " << AsArray(ran.rows);
    EXPECT_EQ(ran.status.message(), expected);
    return;
  }
  ASSERT_TRUE(ran.status.ok()) << ran.status.ToString();
  auto want = Json::Parse(expected);
  ASSERT_TRUE(want.ok()) << "bad expected JSON: " << want.status().ToString();
  auto got = Json::Parse(AsArray(ran.rows));
  ASSERT_TRUE(got.ok()) << AsArray(ran.rows);
  EXPECT_TRUE(*got == *want) << "got:  " << AsArray(ran.rows) << "\nwant: " << expected;
}

}  // namespace sluice::query::testing
