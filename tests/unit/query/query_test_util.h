// Helpers shared by the query tests: a sink that collects rows and a one-call runner over the
// fixed data set.
#pragma once

#include <string>
#include <vector>

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

// now() of the fixed data set's queries: one day after kT0.
inline constexpr TimestampMicros kNow = kT0 + 24 * 60 * kMinute;

struct Ran {
  Status status;
  std::vector<std::string> rows;
  QueryResult result;
};

inline Ran RunOn(model::EventSource& source, const std::string& query, std::string cursor = "",
                 int64_t default_limit = 100) {
  sluice::testing::FakeClock clock(kNow);
  QueryContext ctx;
  ctx.clock = &clock;
  ctx.default_limit = default_limit;
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

}  // namespace sluice::query::testing
