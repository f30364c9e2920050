// A count whose whole filter the store answers is counted in SQL, without reading rows: it must
// give the count the engine gives by reading every row, for members of every JSON type, escapes,
// nesting, repeated keys, lists and created ranges; and a filter the store cannot answer whole
// still reads the rows.
#include <gtest/gtest.h>

#include "model/event_write.h"
#include "query_test_util.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace sluice::query::testing {
namespace {

// Passes scans and counts on to the store, noting which the engine asked for.
class NotingSource : public model::EventSource {
 public:
  explicit NotingSource(model::EventSource& inner) : inner_(inner) {}
  Result<std::unique_ptr<model::EventStream>> Scan(const model::ScanRequest& request) override {
    ++scans;
    return inner_.Scan(request);
  }
  Result<std::optional<int64_t>> CountMatching(const model::ScanRequest& request) override {
    ++counts;
    return inner_.CountMatching(request);
  }
  int scans = 0;
  int counts = 0;

 private:
  model::EventSource& inner_;
};

class CountPushdownTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::sqlite::SqliteStoreOptions o;
    o.segment_rows = 4;  // rows in sealed segments and the open one
    auto s = store::sqlite::SqliteStore::Open(dir_.File("count.db"), o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    // Each row's metadata, created an hour apart from 2024-05-01T00:00Z.
    const std::vector<std::string> metadata = {
        R"({"env":"staging"})",
        R"({"env":"prod"})",
        R"({"env":"sta\u0067ing"})",  // stored as "staging"
        R"({"env":{"x":1}})",
        R"({"env":"{\"x\":1}"})",
        R"({"env":["staging"]})",
        R"({"env":5})",
        R"({"env":"5"})",
        R"({"env":true})",
        R"({"env":"true"})",
        R"({"env":null})",
        R"({"env":"null"})",
        R"({"other":"staging"})",
        R"({"env":{"region":"eu"}})",
        R"({"env":"a\"b"})",
        R"({"env":"é"})",
        R"({"env":"x","env":"staging"})",
        R"({"env":"STAGING"})",
        R"({"env":""})",
        R"({})",
        R"({"env":"staging\u0000"})",  // json_extract would read "staging"
        R"({"env":"\u0000"})",
    };
    std::string body = R"({"events":[)";
    for (size_t i = 0; i < metadata.size(); ++i) {
      if (i > 0) body += ',';
      const std::string id = "r" + std::to_string(i);
      body += R"({"id":")" + id + R"(","span_id":")" + id + R"(","created":"2024-05-01T)" +
              (i < 10 ? "0" : "") + std::to_string(i) + R"(:00:00Z","metadata":)" + metadata[i] +
              "}";
    }
    body += "]}";
    auto writes = model::ParseInsertRequest(body);
    ASSERT_TRUE(writes.ok()) << writes.status().ToString();
    // One transaction per row, so the rows spread over several segments.
    for (const model::EventWrite& w : *writes) {
      auto r =
          store_->InsertEvents({model::ObjectType::kProjectLogs, "p1"}, "o1", "p1", {&w, 1}, 0);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  }

  // The count of `filter`, from the store's count and from the engine reading every row.
  void ExpectSameCount(const std::string& filter, int64_t want, bool counted_in_store = true) {
    ExpectSameAnswer("measures: count(1) as n | from: project_logs('p1')" +
                         (filter.empty() ? "" : " | filter: " + filter),
                     R"([{"n":)" + std::to_string(want) + "}]", counted_in_store);
  }
  void ExpectSameAnswer(const std::string& q, const std::string& expected,
                        bool counted_in_store = true) {
    SCOPED_TRACE(q);
    NotingSource noting(*store_);
    const Ran pushed = RunOn(noting, q);
    ASSERT_TRUE(pushed.status.ok()) << pushed.status.ToString();
    EXPECT_EQ(noting.counts, counted_in_store ? 1 : 0);
    EXPECT_EQ(noting.scans, counted_in_store ? 0 : 1);
    NoJsonMatchesSource scan_only(*store_);  // the engine reads every row of the range
    const Ran read = RunOn(scan_only, q);
    ASSERT_TRUE(read.status.ok()) << read.status.ToString();
    EXPECT_EQ(AsArray(read.rows), expected) << "the engine reading every row";
    EXPECT_EQ(AsArray(pushed.rows), expected) << "counted in the store";
  }

  sluice::testing::TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
};

TEST_F(CountPushdownTest, TheStoresCountIsTheEnginesForEveryKindOfMember) {
  ExpectSameCount("", 22);
  ExpectSameCount("metadata.env = 'staging'", 2);  // r0, r2; not the list, object, or r16's first
  ExpectSameCount("metadata.env = '{\"x\":1}'", 1);
  ExpectSameCount("metadata.env = '[\"staging\"]'", 0);
  ExpectSameCount("metadata.env = '5'", 1);
  ExpectSameCount("metadata.env = 'true'", 1);
  ExpectSameCount("metadata.env = 'null'", 1);
  ExpectSameCount("metadata.env = 'a\"b'", 1);
  ExpectSameCount("metadata.env = 'é'", 1);
  ExpectSameCount("metadata.env = 'x'", 1);  // the first of r16's two "env" members
  ExpectSameCount("metadata.env = ''", 1);   // not r21's "\u0000"
  ExpectSameCount("metadata.env = 'staging\\u0000'", 1);
  ExpectSameCount("metadata.env = '\\u0000'", 1);
  ExpectSameCount("metadata.env in ('staging', 'prod', 'STAGING')", 4);
  ExpectSameCount("'staging' = metadata.env", 2);
  ExpectSameCount("metadata.env.region = 'eu'", 1);
  ExpectSameCount("metadata.env = 'staging' and created >= '2024-05-01T01:00:00Z'", 1);
  ExpectSameCount("created >= '2024-05-01T05:00:00Z' and created < '2024-05-01T09:00:00Z'", 4);
  ExpectSameCount("id in ('r0', 'r1', 'r3', 'nope') and metadata.env = 'prod'", 1);
  ExpectSameCount("root_span_id = 'r4'", 1);
  ExpectSameCount("id in ('r1', 'r1', '') and id = 'r1'", 1);
  ExpectSameCount("created = '2024-05-01T03:00:00Z'", 1);
  ExpectSameCount("'2024-05-01T05:00:00Z' <= created", 17);
  ExpectSameCount("created > now() - interval 4 hours", 1);  // now() is 2024-05-02T00:00Z
  ExpectSameAnswer(
      "measures: count(*) as n, count(1) + 1 as m | from: project_logs('p1') | "
      "filter: metadata.env = 'staging'",
      R"([{"n":2,"m":3}])");
  ExpectSameAnswer(
      "SELECT count(*) AS n FROM project_logs('p1') WHERE metadata.env IN ('prod', 'staging')",
      R"([{"n":3}])");
}

// A member SQLite's JSON paths cannot spell is not counted in SQL: the store declines, and the
// engine reads the rows.
TEST_F(CountPushdownTest, TheStoreDeclinesAMatchItCannotWriteInSql) {
  model::ScanRequest r;
  r.object = {model::ObjectType::kProjectLogs, "p1"};
  r.json_matches.push_back({"metadata", {"a\"b"}, {"x"}});
  auto n = store_->CountMatching(r);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_FALSE(n->has_value());
  r.json_matches.back().path = {"env"};
  r.json_matches.back().values = {"staging"};
  n = store_->CountMatching(r);
  ASSERT_TRUE(n.ok() && n->has_value());
  EXPECT_EQ(**n, 2);
}

TEST_F(CountPushdownTest, WhatTheStoreCannotAnswerWholeIsReadRowByRow) {
  ExpectSameCount("metadata.env = 'staging' or metadata.env = 'prod'", 3, false);
  ExpectSameCount("metadata.env ilike 'staging'", 3, false);
  ExpectSameCount("metadata.env != 'staging'", 17, false);
  ExpectSameCount("created >= '2024-05-01T05:00:00Z' and metadata.env is not null", 14, false);
  // count of a field counts its non-null values: not a row count.
  NotingSource noting(*store_);
  const Ran ran = RunOn(noting, "measures: count(metadata.env) as n | from: project_logs('p1')");
  ASSERT_TRUE(ran.status.ok()) << ran.status.ToString();
  EXPECT_EQ(noting.counts, 0);
  EXPECT_EQ(AsArray(ran.rows), R"([{"n":19}])");  // env null in r10, absent in r12 and r19
  // Grouped counts read the rows too.
  NotingSource grouped(*store_);
  ASSERT_TRUE(
      RunOn(grouped,
            "dimensions: metadata.env as e | measures: count(1) as n | from: project_logs('p1')")
          .status.ok());
  EXPECT_EQ(grouped.counts, 0);
}

}  // namespace
}  // namespace sluice::query::testing
