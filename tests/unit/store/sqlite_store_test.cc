#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/clock.h"
#include "common/time_util.h"
#include "common/uuid.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_segments.h"
#include "store/store_sql.h"
#include "testing/scanned_rows.h"
#include "testing/temp_dir.h"
#include "unit/store/sqlite_store_fixture.h"

namespace sluice::store::sqlite {
namespace {

TEST_F(SqliteStoreTest, EachTransactionGetsOneStrictlyGreaterXactId) {
  auto a = Insert(R"({"events":[{"id":"a"},{"id":"b"}]})");
  auto b = Insert(R"({"events":[{"id":"c"}]})");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_GT(b->xact_id, a->xact_id);
  EXPECT_EQ(a->row_ids, (std::vector<std::string>{"a", "b"}));
  auto rows = ScanAll({});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].xact_id, a->xact_id);
  EXPECT_EQ(rows[1].xact_id, a->xact_id);
  EXPECT_EQ(rows[2].xact_id, b->xact_id);
  EXPECT_EQ(*store_->MaxXactId(), b->xact_id);
}

TEST_F(SqliteStoreTest, MergeWritesANewVersionAtTheEnd) {
  ASSERT_TRUE(Insert(R"({"events":[{"id":"a","metadata":{"x":1}},{"id":"b"}]})").ok());
  auto m = Insert(R"({"events":[{"id":"a","_is_merge":true,"metadata":{"y":2}}]})", kNow + 10);
  ASSERT_TRUE(m.ok());
  auto rows = ScanAll({});
  EXPECT_EQ(Ids(rows), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(rows[1].metadata, R"({"x":1,"y":2})");
  EXPECT_EQ(rows[1].xact_id, m->xact_id);
  EXPECT_EQ(rows[1].created, kNow);  // first insert time is kept
}

TEST_F(SqliteStoreTest, ObjectDeleteRemovesTheRow) {
  ASSERT_TRUE(Insert(R"({"events":[{"id":"a"},{"id":"b"}]})").ok());
  auto d =
      Insert(R"({"events":[{"id":"a","_object_delete":true},{"id":"zz","_object_delete":true}]})");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->rows_deleted, 1);
  EXPECT_EQ(Ids(ScanAll({})), (std::vector<std::string>{"b"}));
  EXPECT_FALSE(store_->GetEvent(logs_, "a")->has_value());
}

TEST_F(SqliteStoreTest, AFailingEventWritesNothingFromItsBatch) {
  ASSERT_TRUE(Insert(R"({"events":[{"id":"keep"}]})").ok());
  // The second event is a child span without root_span_id: rejected while applying.
  auto r = Insert(R"({"events":[{"id":"new1"},{"id":"bad","span_parents":["x"]}]})");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(Ids(ScanAll({})), (std::vector<std::string>{"keep"}));
  // The xact counter may have moved, but a later write still succeeds.
  EXPECT_TRUE(Insert(R"({"events":[{"id":"new2"}]})").ok());
}

TEST_F(SqliteStoreTest, ScanResumesAfterACursorAcrossPages) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(Insert(R"({"events":[{"id":"r)" + std::to_string(i) + R"("}]})").ok());
  }
  auto all = ScanAll({});
  ASSERT_EQ(all.size(), 10u);
  model::ScanRequest r;
  r.after = model::XactCursor{all[4].xact_id, all[4].row_key};
  auto rest = ScanAll(r);
  ASSERT_EQ(rest.size(), 5u);
  EXPECT_EQ(rest.front().id, "r5");
  r.limit = 2;
  EXPECT_EQ(Ids(ScanAll(r)), (std::vector<std::string>{"r5", "r6"}));
  r = {};
  r.max_xact_id = all[2].xact_id;
  EXPECT_EQ(ScanAll(r).size(), 3u);
}

// A scan reads every row into the caller's (reused) row: a row without tags, parents or
// metadata after one with them must not keep the earlier row's values.
TEST_F(SqliteStoreTest, ScanIntoAReusedRowLeavesNothingOfTheRowBefore) {
  ASSERT_TRUE(Insert(R"({"events":[
      {"id":"full","span_id":"s1","root_span_id":"t1","span_parents":["p1","p\"2"],
       "tags":["a","b","c"],"input":{"q":"long question"},"output":"answer",
       "metadata":{"k":1},"scores":{"x":0.5},"error":"boom"},
      {"id":"bare"},
      {"id":"tagged","tags":["only"]}]})")
                  .ok());
  model::ScanRequest r;
  r.object = logs_;
  auto stream = store_->Scan(r);
  ASSERT_TRUE(stream.ok());
  Event reused;
  int n = 0;
  while (true) {
    auto more = (*stream)->Next(&reused);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
    ++n;
    auto fresh = store_->GetEvent(logs_, reused.id);
    ASSERT_TRUE(fresh.ok() && fresh->has_value());
    std::string got, want;
    model::AppendEventJson(reused, got);
    model::AppendEventJson(**fresh, want);
    EXPECT_EQ(got, want);
    EXPECT_EQ(reused.tags, (*fresh)->tags);
    EXPECT_EQ(reused.span_parents, (*fresh)->span_parents);
  }
  EXPECT_EQ(n, 3);
}

TEST_F(SqliteStoreTest, ScanFiltersByCreatedRangeIdsAndRootSpans) {
  ASSERT_TRUE(Insert(R"({"events":[)"
                     R"({"id":"old","created":"2024-01-01T00:00:00Z"},)"
                     R"({"id":"mid","created":"2024-03-01T00:00:00Z","span_id":"root"},)"
                     R"({"id":"kid","created":"2024-03-02T00:00:00Z","span_parents":["root"],)"
                     R"("root_span_id":"root"},)"
                     R"({"id":"new","created":"2024-06-01T00:00:00Z"}]})")
                  .ok());
  model::ScanRequest r;
  r.order = model::ScanOrder::kCreatedAscending;
  r.created_min = *ParseRfc3339("2024-02-01T00:00:00Z");
  r.created_max = *ParseRfc3339("2024-06-01T00:00:00Z");
  EXPECT_EQ(Ids(ScanAll(r)), (std::vector<std::string>{"mid", "kid"}));
  r = {};
  r.order = model::ScanOrder::kCreatedDescending;
  EXPECT_EQ(Ids(ScanAll(r)), (std::vector<std::string>{"new", "kid", "mid", "old"}));
  r = {};
  r.ids = {"new", "old", "missing"};
  EXPECT_EQ(Ids(ScanAll(r)), (std::vector<std::string>{"old", "new"}));
  r = {};
  r.root_span_ids = {"root"};
  EXPECT_EQ(Ids(ScanAll(r)), (std::vector<std::string>{"mid", "kid"}));
}

TEST_F(SqliteStoreTest, ObjectsDoNotSeeEachOthersRows) {
  model::Dataset d{NewUuid(), project_.id, "ds", "", kNow, "", {}};
  ASSERT_TRUE(store_->CreateDataset(d).ok());
  ObjectRef ds{ObjectType::kDataset, d.id};
  ASSERT_TRUE(store_
                  ->InsertEvents(ds, org_.id, project_.id,
                                 Parse(R"({"events":[{"id":"a","input":1}]})"), kNow)
                  .ok());
  ASSERT_TRUE(Insert(R"({"events":[{"id":"a","input":2}]})").ok());
  EXPECT_EQ((*store_->GetEvent(ds, "a"))->input, "1");
  EXPECT_EQ((*store_->GetEvent(logs_, "a"))->input, "2");
}

TEST_F(SqliteStoreTest, ProjectNamesAreUniquePerOrgAndListNewestFirst) {
  auto dup = store_->CreateProject({NewUuid(), org_.id, "p", "", kNow});
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  auto q = *store_->CreateProject({NewUuid(), org_.id, "q", "", kNow});
  auto r = *store_->CreateProject({NewUuid(), org_.id, "r", "", kNow});
  ListOptions o;
  auto all = *store_->ListProjects(org_.id, o);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "r");
  o.starting_after = r.id;
  o.limit = 1;
  EXPECT_EQ((*store_->ListProjects(org_.id, o))[0].name, "q");
  o = {};
  o.ending_before = project_.id;
  EXPECT_EQ((*store_->ListProjects(org_.id, o)).size(), 2u);
  auto other = *store_->CreateOrg("other");
  EXPECT_TRUE(store_->ListProjects(other.id, {})->empty());
  EXPECT_TRUE(store_->CreateProject({NewUuid(), other.id, "p", "", kNow}).ok());
}

TEST_F(SqliteStoreTest, ApiKeysAreFoundByLookupAndRevoked) {
  auto m = model::MintKey(model::KeyKind::kApiKey, org_.id, "k",
                          {{project_.id, model::Permission::kWrite}}, kNow);
  ASSERT_TRUE(store_->CreateApiKey(m.key).ok());
  auto found = *store_->FindApiKeyByLookup(m.key.lookup);
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(model::KeyMatches(*found, m.plaintext));
  EXPECT_EQ(found->grants, m.key.grants);
  EXPECT_FALSE(found->revoked.has_value());
  EXPECT_EQ(store_->RevokeApiKey("other-org", m.key.id, kNow).code(), StatusCode::kNotFound);
  ASSERT_TRUE(store_->RevokeApiKey(org_.id, m.key.id, kNow).ok());
  EXPECT_TRUE((*store_->FindApiKeyByLookup(m.key.lookup))->revoked.has_value());
}

TEST_F(SqliteStoreTest, ReopeningKeepsDataAndDoesNotRemigrate) {
  ASSERT_TRUE(Insert(R"({"events":[{"id":"a"}]})").ok());
  const uint64_t x = *store_->MaxXactId();
  store_.reset();
  auto again = SqliteStore::Open(dir_.File("sluice.db"));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*(*again)->MaxXactId(), x);
  EXPECT_TRUE((*(*again)->GetEvent(logs_, "a")).has_value());
}

TEST_F(SqliteStoreTest, ConcurrentInsertsCommitTogetherYetSucceedOrFailAlone) {
  constexpr int kThreads = 6, kRequests = 40;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<uint64_t> xacts;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequests; ++i) {
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        // Every fifth request of thread 0 fails while being applied (a merged child span
        // without a root and no row to merge into): it must not take its group down.
        const bool bad = t == 0 && i % 5 == 0;
        auto r = Insert(bad ? R"({"events":[{"id":")" + id +
                                  R"(","_is_merge":true,"span_parents":["p"]}]})"
                            : R"({"events":[{"id":")" + id + R"(a"},{"id":")" + id + R"(b"}]})");
        if (!r.ok()) {
          ++failures;
          continue;
        }
        std::lock_guard<std::mutex> lock(mu);
        EXPECT_TRUE(xacts.insert(r->xact_id).second) << "xact id reused";
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), kRequests / 5);
  const auto rows = ScanAll({});
  EXPECT_EQ(rows.size(), static_cast<size_t>((kThreads * kRequests - kRequests / 5) * 2));
  for (size_t i = 1; i < rows.size(); ++i) ASSERT_GE(rows[i].xact_id, rows[i - 1].xact_id);
}

// Rows replaced again and again move from sealed segments to the open one, whose ids and roots
// are indexed in memory, and the open segment is sealed every 4 rows meanwhile: a reader asking
// for ids or traces finds each row exactly once every time (counted in one query; scanned in one
// page: a scan of several pages reads a row replaced between its pages again, by design).
TEST_F(SqliteStoreTest, ReadersFindEveryRowByIdAndRootWhileRowsAreReplacedAcrossSeals) {
  constexpr int kIds = 12, kUpdates = 300;
  std::vector<std::string> ids, roots;
  std::string body = R"({"events":[)";
  for (int i = 0; i < kIds; ++i) {
    ids.push_back("row" + std::to_string(i));
    if (i % 2 == 0) roots.push_back("trace" + std::to_string(i / 2));
    body += std::string(i > 0 ? "," : "") + R"({"id":")" + ids.back() + R"(","root_span_id":")" +
            roots.back() + R"(","span_id":")" + ids.back() + R"("})";
  }
  ASSERT_TRUE(Insert(body + "]}").ok());
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < kUpdates; ++i) {
      auto r = Insert(R"({"events":[{"id":")" + ids[i % kIds] + R"(","_is_merge":true,"output":)" +
                      std::to_string(i) + "}]}");
      EXPECT_TRUE(r.ok()) << r.status().ToString();
    }
    done = true;
  });
  int reads = 0, wrong = 0;
  auto check = [&](const std::string& what, bool ok) {
    if (ok) return;
    ++wrong;
    ADD_FAILURE() << what;
  };
  while (!done || reads < 3) {
    model::ScanRequest all;
    all.object = logs_;
    all.ids = ids;
    auto n = store_->CountRows(all);
    check("count by id: " + (n.ok() ? std::to_string(*n) : n.status().ToString()),
          n.ok() && *n == kIds);
    all.ids.clear();
    all.root_span_ids = roots;
    n = store_->CountRows(all);
    check("count by root: " + (n.ok() ? std::to_string(*n) : n.status().ToString()),
          n.ok() && *n == kIds);
    const int pair = reads % (kIds / 2);
    const std::vector<std::string> want = {ids[2 * pair], ids[2 * pair + 1]};
    model::ScanRequest two;
    two.ids = want;
    std::vector<std::string> got = Ids(ScanAll(two));
    std::sort(got.begin(), got.end());
    check("by id: " + ::testing::PrintToString(got), got == want);
    two = {};
    two.root_span_ids = {roots[pair]};
    got = Ids(ScanAll(two));
    std::sort(got.begin(), got.end());
    check("by root: " + ::testing::PrintToString(got), got == want);
    auto one = store_->GetEvent(logs_, ids[reads % kIds]);
    check("GetEvent " + ids[reads % kIds], one.ok() && one->has_value());
    ++reads;
  }
  writer.join();
  EXPECT_EQ(wrong, 0) << "of " << reads << " reads";
  EXPECT_EQ(ScanAll({}).size(), static_cast<size_t>(kIds));
  EXPECT_EQ((*store_->GetEvent(logs_, ids[(kUpdates - 1) % kIds]))->output,
            std::to_string(kUpdates - 1));
}

// A read takes the list of segments, then its snapshot. Here it is held between the two while
// the writer seals segments and moves rows into the new open ones: the read must still count
// every row once (it sees that the snapshot's open segment is not its list's, and takes the
// list again), and a fetch by id held the same way still finds its row.
TEST_F(SqliteStoreTest, AReadWhoseSegmentsAreSealedBeforeItsSnapshotStillFindsEveryRow) {
  std::vector<std::string> ids;
  std::string body = R"({"events":[)";
  for (int i = 0; i < 12; ++i) {
    ids.push_back("row" + std::to_string(i));
    body += std::string(i > 0 ? "," : "") + R"({"id":")" + ids.back() + R"("})";
  }
  ASSERT_TRUE(Insert(body + "]}").ok());
  std::atomic<bool> armed{false};
  std::mutex mu;
  std::condition_variable cv;
  bool paused = false, written = false;
  SqliteStoreOptions o;
  o.segment_rows = 4;
  o.before_read_snapshot = [&](int tries) {
    if (tries != 0 || !armed.exchange(false)) return;
    std::unique_lock<std::mutex> lock(mu);
    paused = true;
    cv.notify_all();
    cv.wait(lock, [&] { return written; });
  };
  store_.reset();
  store_ = std::move(SqliteStore::Open(dir_.File("sluice.db"), o).value());
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round == 0 ? "count by id" : "fetch by id");
    {
      std::lock_guard<std::mutex> lock(mu);
      paused = written = false;
    }
    armed = true;
    Result<int64_t> counted = int64_t{0};
    Result<std::optional<Event>> fetched = std::optional<Event>();
    std::thread reader([&] {
      if (round == 0) {
        model::ScanRequest r;
        r.object = logs_;
        r.ids = ids;
        counted = store_->CountRows(r);
      } else {
        fetched = store_->GetEvent(logs_, "row0");
      }
    });
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return paused; });
    }
    // Every row moves to the open segment, which is sealed every 4 rows meanwhile.
    const auto before = store_->Segments()->open().seg;
    for (const std::string& id : ids) {
      ASSERT_TRUE(Insert(R"({"events":[{"id":")" + id + R"(","_is_merge":true,"output":)" +
                         std::to_string(round) + "}]}")
                      .ok());
    }
    EXPECT_GT(store_->Segments()->open().seg, before);
    {
      std::lock_guard<std::mutex> lock(mu);
      written = true;
    }
    cv.notify_all();
    reader.join();
    if (round == 0) {
      ASSERT_TRUE(counted.ok()) << counted.status().ToString();
      EXPECT_EQ(*counted, 12);
    } else {
      ASSERT_TRUE(fetched.ok()) << fetched.status().ToString();
      ASSERT_TRUE(fetched->has_value());
      EXPECT_EQ((*fetched)->output, "1");
    }
  }
}

TEST_F(SqliteStoreTest, AnOlderSluiceRefusesAFileANewerOneWroteAndChangesNothing) {
  ASSERT_TRUE(Insert(R"({"events":[{"id":"kept"}]})").ok());
  store_.reset();
  const int newer = LatestSchemaVersion() + 1;
  {
    auto c = std::move(Connection::Open(dir_.File("sluice.db")).value());
    ASSERT_TRUE(
        c->Exec("INSERT INTO schema_migrations (version) VALUES (" + std::to_string(newer) + ")")
            .ok());
  }
  auto refused = SqliteStore::Open(dir_.File("sluice.db"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("schema version " + std::to_string(newer)),
            std::string::npos)
      << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("upgrade sluice"), std::string::npos);
  auto c = std::move(Connection::Open(dir_.File("sluice.db")).value());
  auto q = c->Prepare("SELECT count(*) FROM events WHERE id = 'kept'");
  ASSERT_TRUE(q.ok() && *(*q)->Step());
  EXPECT_EQ((*q)->Int(0), 1);
  (*q)->Reset();
}

// Pages in created order come straight from each segment's created index, which gives
// (created, row_key) as it is: no temporary B-tree sorts a created value's rows. A store whose
// segments have the earlier index (obj_key, created, xact_id) gets it rebuilt when it opens, and
// reads the same rows in the same order after.
TEST_F(SqliteStoreTest, CreatedOrderComesFromTheIndexAlsoInAStoreOfTheEarlierIndex) {
  const TimestampMicros day = *ParseRfc3339("2024-05-01T00:00:00Z");
  for (int tx = 0; tx < 4; ++tx) {
    std::string body = R"({"events":[)";
    for (int k = 0; k < 3; ++k) {
      const int m = (tx + k) % 3;  // three created values, each in several transactions
      body += std::string(k > 0 ? "," : "") + R"({"id":"t)" + std::to_string(tx) + "_" +
              std::to_string(k) + R"(","created":")" + FormatRfc3339(day + m * 60'000'000LL) +
              R"("})";
    }
    ASSERT_TRUE(Insert(body + "]}").ok());
  }
  ASSERT_TRUE(Insert(R"({"events":[{"id":"t0_2","_is_merge":true,"input":"x"}]})").ok());
  auto scan = [&](model::ScanOrder order) {
    model::ScanRequest r;
    r.order = order;
    r.created_min = day;
    r.created_max = day + 3'600'000'000LL;
    return ScanAll(r);
  };
  const std::vector<Event> before = scan(model::ScanOrder::kCreatedDescending);
  ASSERT_EQ(before.size(), 12u);
  for (size_t i = 1; i < before.size(); ++i) {
    EXPECT_GT(std::pair(before[i - 1].created, before[i - 1].row_key),
              std::pair(before[i].created, before[i].row_key));
  }
  const std::vector<std::string> ascending = Ids(scan(model::ScanOrder::kCreatedAscending));

  // What each segment's created index is, and whether reading a created range in page order
  // needs a temporary B-tree.
  auto indexes = [&](Connection& c) {
    std::vector<std::pair<std::string, bool>> out;  // (the index's SQL, sorts in a temp B-tree)
    auto tables = c.Prepare("SELECT tbl FROM event_segments ORDER BY seg");
    EXPECT_TRUE(tables.ok());
    std::vector<std::string> names;
    while (*(*tables)->Step()) names.push_back((*tables)->Text(0));
    (*tables)->Reset();
    for (const std::string& t : names) {
      auto sql = c.Prepare("SELECT sql FROM sqlite_schema WHERE name = '" + t + "_by_created'");
      EXPECT_TRUE(sql.ok() && *(*sql)->Step()) << t;
      std::pair<std::string, bool> index{(*sql)->Text(0), false};
      (*sql)->Reset();
      auto plan = c.Prepare("EXPLAIN QUERY PLAN SELECT * FROM " + t +
                            " WHERE obj_key = 1 AND created >= 0 AND created < 9000000000000000 "
                            "ORDER BY created DESC, row_key DESC");
      EXPECT_TRUE(plan.ok());
      while (*(*plan)->Step()) {
        const std::string detail = (*plan)->Text(3);
        if (detail.find("TEMP B-TREE") != std::string::npos) index.second = true;
      }
      (*plan)->Reset();
      out.push_back(std::move(index));
    }
    return out;
  };
  store_.reset();
  {
    auto c = std::move(Connection::Open(dir_.File("sluice.db")).value());
    const auto now = indexes(*c);
    ASSERT_GE(now.size(), 3u) << "the rows span several segments";
    for (const auto& [sql, sorts] : now) {
      EXPECT_NE(sql.find("(obj_key, created, row_key, xact_id)"), std::string::npos) << sql;
      EXPECT_FALSE(sorts) << sql;
    }
    // Every segment as an earlier version indexed it.
    auto tables = c->Prepare("SELECT tbl FROM event_segments");
    std::vector<std::string> names;
    while (*(*tables)->Step()) names.push_back((*tables)->Text(0));
    (*tables)->Reset();
    for (const std::string& t : names) {
      ASSERT_TRUE(c->Exec("DROP INDEX " + t + "_by_created; CREATE INDEX " + t + "_by_created ON " +
                          t + " (obj_key, created, xact_id)")
                      .ok());
    }
    for (const auto& [sql, sorts] : indexes(*c)) EXPECT_TRUE(sorts) << sql;
  }
  SqliteStoreOptions o;
  o.scan_page_rows = 3;
  o.segment_rows = 4;
  auto s = SqliteStore::Open(dir_.File("sluice.db"), o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  store_ = std::move(s).value();
  {
    auto c = std::move(Connection::Open(dir_.File("sluice.db")).value());
    for (const auto& [sql, sorts] : indexes(*c)) {
      EXPECT_NE(sql.find("(obj_key, created, row_key, xact_id)"), std::string::npos) << sql;
      EXPECT_FALSE(sorts) << sql;
    }
  }
  EXPECT_EQ(Ids(scan(model::ScanOrder::kCreatedDescending)), Ids(before));
  EXPECT_EQ(Ids(scan(model::ScanOrder::kCreatedAscending)), ascending);
}

// List columns are JSON arrays of strings: the fast path (no escapes) and the full parser
// agree, and reading into a vector that held more entries leaves only the new ones.
TEST(StoreSql, ListColumnsReadBackIntoReusedVectors) {
  std::vector<std::string> v = {"stale1", "stale2", "stale3", "stale4"};
  JsonToStringsInto(R"(["a","b"])", &v);
  EXPECT_EQ(v, (std::vector<std::string>{"a", "b"}));
  JsonToStringsInto(R"( [ "x" , "" ,"z"] )", &v);
  EXPECT_EQ(v, (std::vector<std::string>{"x", "", "z"}));
  JsonToStringsInto(R"(["q\"uote","tab\t","\u00e9"])", &v);
  EXPECT_EQ(v, (std::vector<std::string>{"q\"uote", "tab\t", "\xc3\xa9"}));
  JsonToStringsInto("[]", &v);
  EXPECT_TRUE(v.empty());
  v = {"stale"};
  JsonToStringsInto("", &v);
  EXPECT_TRUE(v.empty());
  for (const char* bad : {"[", "[\"a\"", "[\"a\",]", "{\"a\":1}", "[1,2]", "[\"a\" \"b\"]"}) {
    v = {"stale"};
    JsonToStringsInto(bad, &v);
    EXPECT_TRUE(v.empty()) << bad;
  }
  for (const std::vector<std::string>& list :
       {std::vector<std::string>{}, {"one"}, {"a\"b", "c\\d", "\n"}, {"plain", "x y"}}) {
    EXPECT_EQ(JsonToStrings(StringsToJson(list)), list);
  }
}

// Created ranges leave out the segments without rows in them and read the others' rows in an
// _xact_id window: every order still returns exactly the rows in the range, across many
// segments and pages, with rows written out of created order, moved to the open segment by an
// update, and written while the scan is between pages.
TEST_F(SqliteStoreTest, CreatedRangesReturnExactlyTheRowsInRangeInEveryOrder) {
  // created = minute m of a day; rows arrive in an order unrelated to created.
  const TimestampMicros day = *ParseRfc3339("2024-05-01T00:00:00Z");
  auto at = [&](int m) { return day + m * 60'000'000LL; };
  std::map<std::string, TimestampMicros> created;
  for (int tx = 0; tx < 10; ++tx) {
    std::string body = R"({"events":[)";
    for (int k = 0; k < 3; ++k) {
      const int m = (tx * 7 + k * 13) % 40;
      const std::string id = "t" + std::to_string(tx) + "_" + std::to_string(k);
      created[id] = at(m);
      if (k > 0) body += ',';
      body += R"({"id":")" + id + R"(","created":")" + FormatRfc3339(at(m)) + R"("})";
    }
    ASSERT_TRUE(Insert(body + "]}").ok());
  }
  // An update writes a new version in the open segment.
  ASSERT_TRUE(Insert(R"({"events":[{"id":"t0_1","_is_merge":true,"input":"x"}]})").ok());
  const std::vector<Event> all = ScanAll({});
  ASSERT_EQ(all.size(), 30u);
  const std::vector<std::pair<int, int>> ranges = {{0, 40}, {5, 6},   {10, 20}, {39, 40},
                                                   {0, 1},  {41, 50}, {13, 13}};
  for (auto [lo, hi] : ranges) {
    for (model::ScanOrder order :
         {model::ScanOrder::kXactAscending, model::ScanOrder::kCreatedAscending,
          model::ScanOrder::kCreatedDescending}) {
      model::ScanRequest r;
      r.order = order;
      r.created_min = at(lo);
      r.created_max = at(hi);
      std::vector<Event> want;
      for (const Event& e : all) {
        if (e.created >= at(lo) && e.created < at(hi)) want.push_back(e);
      }
      auto key = [&](const Event& e) { return std::pair(e.created, e.row_key); };
      if (order != model::ScanOrder::kXactAscending) {
        std::sort(want.begin(), want.end(), [&](auto& a, auto& b) { return key(a) < key(b); });
      }
      if (order == model::ScanOrder::kCreatedDescending) std::reverse(want.begin(), want.end());
      EXPECT_EQ(Ids(ScanAll(r)), Ids(want)) << lo << ".." << hi << " order " << int(order);
      r.object = logs_;
      EXPECT_EQ(*store_->CountRows(r), static_cast<int64_t>(want.size()));
    }
  }
  // Rows written between two pages: the new one (in range, old created) and a moved one not
  // read yet are read after the others, in _xact_id order.
  model::ScanRequest r;
  r.object = logs_;
  r.created_min = at(0);
  r.created_max = at(20);
  auto stream = store_->Scan(r);
  ASSERT_TRUE(stream.ok());
  std::vector<std::string> got;
  Event e;
  ASSERT_TRUE(*(*stream)->Next(&e));
  got.push_back(e.id);
  ASSERT_TRUE(Insert(R"({"events":[{"id":"late","created":")" + FormatRfc3339(at(1)) +
                     R"("},{"id":"t8_0","_is_merge":true,"input":"y"}]})")
                  .ok());
  while (*(*stream)->Next(&e)) got.push_back(e.id);
  std::vector<std::string> want;
  for (const Event& x : ScanAll(r)) want.push_back(x.id);
  EXPECT_EQ(got, want);
  ASSERT_LT(created["t8_0"], at(20));
  EXPECT_EQ(got.back(), "t8_0");
  EXPECT_EQ(std::count(got.begin(), got.end(), "late"), 1);
}

// A count over a created range is cut into parts counted at once; however many parts, each
// row in range is counted once: rows on the cuts, rows past now in a range open above, ranges
// too short to cut, and one part per minute.
TEST_F(SqliteStoreTest, CountsCutIntoPartsCountEachRowInRangeOnce) {
  const TimestampMicros hour = *ParseRfc3339("2024-05-01T10:00:00Z");
  auto at = [&](int m) { return hour + m * 60'000'000LL; };
  std::vector<TimestampMicros> created;
  std::string body = R"({"events":[)";
  for (int m = 0; m <= 60; ++m) {  // one row each minute, on every cut of 2, 3, 4 or 6 parts
    created.push_back(at(m));
    body += (m ? "," : "") + std::string(R"({"id":"m)") + std::to_string(m) + R"(","created":")" +
            FormatRfc3339(at(m)) + R"("})";
  }
  const TimestampMicros future = SystemClock().NowMicros() + 86'400'000'000LL;
  created.push_back(future);
  body += R"(,{"id":"future","created":")" + FormatRfc3339(future) + R"("}]})";
  for (int threads : {1, 2, 3, 4, 6, 60}) {
    SCOPED_TRACE("count_threads " + std::to_string(threads));
    SqliteStoreOptions o;
    o.segment_rows = 8;
    o.count_threads = threads;
    const std::string file = dir_.File("parts" + std::to_string(threads) + ".db");
    auto store = std::move(SqliteStore::Open(file, o).value());
    const model::Org org = *store->CreateOrg("acme");
    ASSERT_TRUE(store->CreateProject({project_.id, org.id, "p", "", kNow}).ok());
    ASSERT_TRUE(store->InsertEvents(logs_, org.id, project_.id, Parse(body), kNow).ok());
    auto want = [&](TimestampMicros lo, std::optional<TimestampMicros> hi) {
      return std::count_if(created.begin(), created.end(),
                           [&](TimestampMicros c) { return c >= lo && (!hi || c < *hi); });
    };
    const std::vector<std::pair<TimestampMicros, std::optional<TimestampMicros>>> ranges = {
        {at(0), at(60)},        {at(0), at(61)},       {at(1), at(59)},
        {at(10), at(11)},       {at(7), at(7) + 2},    {at(30), at(30)},
        {at(45), std::nullopt}, {at(0), std::nullopt}, {future, std::nullopt}};
    for (const auto& [lo, hi] : ranges) {
      model::ScanRequest r;
      r.object = logs_;
      r.created_min = lo;
      r.created_max = hi;
      auto n = store->CountRows(r);
      ASSERT_TRUE(n.ok()) << n.status().ToString();
      EXPECT_EQ(*n, want(lo, hi)) << FormatRfc3339(lo) << " .. "
                                  << (hi ? FormatRfc3339(*hi) : std::string("open"));
    }
  }
}

// A write that moves a row from one part to another between their snapshots would have it
// counted twice or not at all; the parts saw different last _xact_ids, so the range is counted
// again in one piece.
TEST_F(SqliteStoreTest, ACountWhosePartsSawDifferentWritesIsCountedAgainInOnePiece) {
  auto n = CountWithAWriteBetweenTheParts(
      R"({"events":[{"id":"moving","created":"2024-05-01T10:05:00Z"},)"
      R"({"id":"stays","created":"2024-05-01T10:20:00Z"}]})",
      [&](SqliteStore& store) {  // minute 5 to minute 45: across the cut
        auto moved = store.InsertEvents(
            logs_, org_.id, project_.id,
            Parse(R"({"events":[{"id":"moving","created":"2024-05-01T10:45:00Z"}]})"), kNow);
        EXPECT_TRUE(moved.ok()) << moved.status().ToString();
      });
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 2);
}

// A retention mark committed between the parts' snapshots hides rows of both parts: one part
// would count its row and the other not, a count no snapshot had.
TEST_F(SqliteStoreTest, ACountWhosePartsSawDifferentRetentionMarksIsCountedAgainInOnePiece) {
  auto n = CountWithAWriteBetweenTheParts(
      R"({"events":[{"id":"early","created":"2024-05-01T10:05:00Z"},)"
      R"({"id":"late","created":"2024-05-01T10:45:00Z"}]})",
      [&](SqliteStore& store) {
        model::RetentionMark mark;
        mark.run_id = "run";
        mark.automation_id = "retention";
        mark.object = logs_;
        mark.cutoff = *ParseRfc3339("2024-05-01T10:50:00Z");  // hides both rows
        mark.max_xact_id = *store.MaxXactId();
        mark.created = kNow;
        mark.purge_after = kNow + 86'400'000'000LL;
        auto added = store.AddRetentionMark(mark, {});
        EXPECT_TRUE(added.ok()) << added.status().ToString();
      });
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 0);  // counted again after the mark
}

// JSON matches skip rows in SQL exactly as the query engine would evaluate `field.path = 'v'`:
// only a string member equal to a value passes. Keys SQLite's paths cannot spell are not used
// to skip rows, so no row that matches is ever lost.
TEST_F(SqliteStoreTest, JsonMatchesKeepExactlyTheStringMembersEqualToAValue) {
  ASSERT_TRUE(Insert(R"({"events":[
    {"id":"r1","metadata":{"env":"prod","a.b":"dot","we\"ird":"q","x\\y":"bs",
     "caf\u00e9":"key","n":3,"t":true,"nested":{"k":"v"},"arr":["prod"]}},
    {"id":"r2","metadata":{"env":"staging","v":"it's \"quoted\" \\ back","u":"caf\u00e9"}},
    {"id":"r3","metadata":{"env":null}},
    {"id":"r4"},
    {"id":"r5","metadata":{"env":"prod"},"input":"plain"},
    {"id":"r6","input":{"env":"prod"}}]})")
                  .ok());
  auto match = [&](std::string field, std::vector<std::string> path,
                   std::vector<std::string> values) {
    model::ScanRequest r;
    r.json_matches.push_back({std::move(field), std::move(path), std::move(values)});
    return Ids(ScanAll(r));
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(match("metadata", {"env"}, {"prod"}), (V{"r1", "r5"}));
  EXPECT_EQ(match("metadata", {"env"}, {"prod", "staging"}), (V{"r1", "r2", "r5"}));
  EXPECT_EQ(match("metadata", {"a.b"}, {"dot"}), (V{"r1"}));
  EXPECT_EQ(match("metadata", {"caf\xc3\xa9"}, {"key"}), (V{"r1"}));
  EXPECT_EQ(match("metadata", {"v"}, {"it's \"quoted\" \\ back"}), (V{"r2"}));
  EXPECT_EQ(match("metadata", {"u"}, {"caf\xc3\xa9"}), (V{"r2"}));
  EXPECT_EQ(match("metadata", {"nested", "k"}, {"v"}), (V{"r1"}));
  EXPECT_EQ(match("input", {"env"}, {"prod"}), (V{"r6"}));
  // Numbers, booleans, nulls, arrays and other strings are not equal to a string.
  EXPECT_EQ(match("metadata", {"n"}, {"3"}), V{});
  EXPECT_EQ(match("metadata", {"t"}, {"true", "1"}), V{});
  EXPECT_EQ(match("metadata", {"env"}, {"null", ""}), V{});
  EXPECT_EQ(match("metadata", {"arr"}, {"prod"}), V{});
  EXPECT_EQ(match("metadata", {"env"}, {"PROD"}), V{});
  // Not spelled in SQL (quote, backslash), or no such field: every row is returned.
  const V all{"r1", "r2", "r3", "r4", "r5", "r6"};
  EXPECT_EQ(match("metadata", {"we\"ird"}, {"q"}), all);
  EXPECT_EQ(match("metadata", {"x\\y"}, {"bs"}), all);
  EXPECT_EQ(match("nope", {"env"}, {"prod"}), all);
  // With the other conditions and counted the same way.
  model::ScanRequest r;
  r.object = logs_;
  r.ids = {"r1", "r2", "r6"};
  r.json_matches.push_back({"metadata", {"env"}, {"prod", "staging"}});
  EXPECT_EQ(Ids(ScanAll(r)), (V{"r1", "r2"}));
  EXPECT_EQ(*store_->CountRows(r), 2);
}

// Paths that would read as URIs (the keys file is attached through one): a leading "//" (an
// authority in a URI, the root on Linux) and characters a URI escapes.
TEST(SqliteStoreOpen, OpensPathsThatLookLikeUris) {
  testing::TempDir dir;
  for (const std::string& path : {"/" + dir.File("a.db"), dir.File("b ?#%.db")}) {
    SCOPED_TRACE(path);
    auto s = SqliteStore::Open(path);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_TRUE(std::filesystem::exists(SqliteStore::KeysFilePath(path)));
  }
}

TEST(SqliteStoreOpen, ReportsAnUnopenablePath) {
  auto s = SqliteStore::Open("/nonexistent-dir/x/sluice.db");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("/nonexistent-dir/x/sluice.db"), std::string::npos);
}

}  // namespace
}  // namespace sluice::store::sqlite
