#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <limits>
#include <random>
#include <set>
#include <thread>

#include "common/clock.h"
#include "common/time_util.h"
#include "common/uuid.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/scanned_rows.h"
#include "testing/temp_dir.h"

namespace sluice::store::sqlite {
namespace {

using model::ObjectRef;
using model::ObjectType;
using model::RetentionMark;

constexpr TimestampMicros kDay = 86'400'000'000LL;
constexpr TimestampMicros kT0 = 1'700'000'000'000'000LL;

class RetentionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(SqliteStore::Open(dir_.File("db")).value());
    org_ = *store_->CreateOrg("o");
    project_ = *store_->CreateProject({NewUuid(), org_.id, "p", "", kT0});
    logs_ = {ObjectType::kProjectLogs, project_.id};
  }
  // Runs `sql` on the database file through SQLite itself, as another process would.
  void ExecOnFile(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.File("db").c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);  // the open store's background threads may hold a lock
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db);
    sqlite3_close(db);
  }

  // The statement that gives the purge lease to another process for an hour.
  static std::string AnotherProcessHoldsThePurgeLease() {
    return "INSERT INTO leases (name, owner, expires) VALUES ('retention-purge', 'other:1:x', " +
           std::to_string(RealClock().NowMicros() + 3'600'000'000LL) + ");";
  }

  // Inserts one row per (id, created) in one transaction.
  void Insert(const ObjectRef& obj,
              const std::vector<std::pair<std::string, TimestampMicros>>& rows) {
    std::string body = R"({"events":[)";
    for (size_t i = 0; i < rows.size(); ++i) {
      if (i) body += ",";
      body += R"({"id":")" + rows[i].first + R"(","created":")" + FormatRfc3339(rows[i].second) +
              R"(","input":"x"})";
    }
    body += "]}";
    auto w = model::ParseInsertRequest(body);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_TRUE(store_->InsertEvents(obj, org_.id, project_.id, *w, kT0).ok());
  }

  std::vector<model::Event> Scanned(const model::ScanRequest& r) {
    return testing::ScannedRows(*store_, r);
  }

  std::set<std::string> Visible(const ObjectRef& obj) {
    model::ScanRequest r;
    r.object = obj;
    std::set<std::string> out;
    for (const model::Event& e : Scanned(r)) out.insert(e.id);
    return out;
  }

  RetentionMark Mark(const std::string& run, TimestampMicros cutoff, const ObjectRef& obj) {
    RetentionMark m;
    m.run_id = run;
    m.automation_id = "auto";
    m.object = obj;
    m.cutoff = cutoff;
    m.max_xact_id = *store_->MaxXactId();
    m.created = kT0;
    m.purge_after = kT0 + kDay;
    return m;
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
  model::Org org_;
  model::Project project_;
  ObjectRef logs_;
};

TEST_F(RetentionStoreTest, AMarkHidesOlderRowsFromScansAndLookupsAtOnce) {
  Insert(logs_, {{"old", kT0 - 10 * kDay}, {"edge", kT0 - 5 * kDay}, {"new", kT0}});
  auto preview = store_->CountRetention(Mark("r1", kT0 - 5 * kDay, logs_), true);
  EXPECT_EQ(preview->rows, 1);
  EXPECT_EQ(preview->bytes, 3 + 36 + 36 + 3);  // "old", span_id, root_span_id, "\"x\""
  EXPECT_EQ(Visible(logs_).size(), 3u);        // preview deletes nothing
  auto added = store_->AddRetentionMark(Mark("r1", kT0 - 5 * kDay, logs_), {});
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(added->second, 1);
  EXPECT_EQ(Visible(logs_), (std::set<std::string>{"edge", "new"}));
  EXPECT_FALSE(store_->GetEvent(logs_, "old")->has_value());
}

TEST_F(RetentionStoreTest, RowsWrittenAfterTheMarkStayVisibleEvenIfBackdated) {
  Insert(logs_, {{"old", kT0 - 10 * kDay}});
  ASSERT_TRUE(store_->AddRetentionMark(Mark("r1", kT0, logs_), {}).ok());
  Insert(logs_, {{"late", kT0 - 20 * kDay}, {"old", kT0 - 10 * kDay}});
  EXPECT_EQ(Visible(logs_), (std::set<std::string>{"late", "old"}));
  // A merge onto a hidden row starts from nothing, not from the deleted fields.
  EXPECT_EQ((*store_->GetEvent(logs_, "old"))->input, "\"x\"");
}

TEST_F(RetentionStoreTest, ExemptRowsSurviveTheMark) {
  Insert(logs_, {{"a", kT0 - 9 * kDay}, {"b", kT0 - 9 * kDay}});
  auto keep = *store_->GetEvent(logs_, "b");
  auto added = store_->AddRetentionMark(Mark("r1", kT0, logs_), {keep->row_key});
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->second, 1);
  EXPECT_EQ(Visible(logs_), (std::set<std::string>{"b"}));
}

TEST_F(RetentionStoreTest, RestoreBringsBackExactlyThatRunsRows) {
  Insert(logs_, {{"d10", kT0 - 10 * kDay}, {"d5", kT0 - 5 * kDay}, {"d1", kT0 - 1 * kDay}});
  ASSERT_TRUE(store_->AddRetentionMark(Mark("run1", kT0 - 7 * kDay, logs_), {}).ok());
  auto second = store_->AddRetentionMark(Mark("run2", kT0 - 3 * kDay, logs_), {});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->second, 1);  // only d5 is new for run2
  EXPECT_EQ(Visible(logs_), (std::set<std::string>{"d1"}));
  auto restored = store_->RestoreRetentionRun("run1");
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(*restored, 1);
  EXPECT_EQ(Visible(logs_), (std::set<std::string>{"d10", "d1"}));
  EXPECT_EQ(*store_->RestoreRetentionRun("run2"), 1);
  EXPECT_EQ(Visible(logs_), (std::set<std::string>{"d10", "d5", "d1"}));
  EXPECT_EQ(store_->RestoreRetentionRun("nope").status().code(), StatusCode::kNotFound);
}

TEST_F(RetentionStoreTest, PurgeAfterGraceDeletesForGoodAndReclaimsSpace) {
  std::vector<std::pair<std::string, TimestampMicros>> rows;
  for (int i = 0; i < 30000; ++i) rows.push_back({"r" + std::to_string(i), kT0 - 30 * kDay});
  rows.push_back({"fresh", kT0});
  Insert(logs_, rows);
  const std::string path = dir_.File("db");
  ASSERT_TRUE(store_->AddRetentionMark(Mark("run1", kT0 - kDay, logs_), {}).ok());
  EXPECT_TRUE(store_->PurgeExpiredMarks(kT0 + kDay - 1)->empty());  // still in grace
  EXPECT_TRUE(store_->RestoreRetentionRun("run1").ok());            // restorable in grace
  ASSERT_TRUE(store_->AddRetentionMark(Mark("run2", kT0 - kDay, logs_), {}).ok());
  store_.reset();  // checkpoint the WAL so file sizes compare
  struct stat before;
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  store_ = std::move(SqliteStore::Open(path).value());
  auto purged = *store_->PurgeExpiredMarks(kT0 + kDay);
  ASSERT_EQ(purged.size(), 1u);
  EXPECT_EQ(purged[0], (std::pair<std::string, int64_t>{"run2", 30000}));
  EXPECT_EQ(Visible(logs_), (std::set<std::string>{"fresh"}));
  auto again = store_->RestoreRetentionRun("run2");
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(again.status().message().find("purged"), std::string::npos);
  ASSERT_TRUE(store_->ReclaimSpace().ok());
  store_.reset();
  struct stat after;
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  EXPECT_LT(after.st_size, before.st_size / 2) << before.st_size << " -> " << after.st_size;
}

TEST_F(RetentionStoreTest, AWholeExperimentMarkHidesTheExperimentAndItsRows) {
  model::Experiment e;
  e.id = NewUuid();
  e.project_id = project_.id;
  e.name = "exp";
  e.created = kT0 - 40 * kDay;
  ASSERT_TRUE(store_->CreateExperiment(e).ok());
  ObjectRef ref{ObjectType::kExperiment, e.id};
  Insert(ref, {{"row", kT0}});
  ASSERT_TRUE(
      store_->AddRetentionMark(Mark("run1", std::numeric_limits<int64_t>::max(), ref), {}).ok());
  EXPECT_EQ(store_->GetExperiment(e.id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->ListExperiments(org_.id, {})->empty());
  EXPECT_TRUE(Visible(ref).empty());
  ASSERT_TRUE(store_->RestoreRetentionRun("run1").ok());
  EXPECT_TRUE(store_->GetExperiment(e.id).ok());
  EXPECT_EQ(Visible(ref).size(), 1u);
}

// Property: over random created times, exactly the rows older than the cutoff and not exempt
// are hidden; nothing newer ever is.
TEST_F(RetentionStoreTest, PropertyOnlyOlderNonExemptRowsAreHidden) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 5; ++round) {
    ObjectRef obj{ObjectType::kProjectLogs, project_.id};
    std::vector<std::pair<std::string, TimestampMicros>> rows;
    for (int i = 0; i < 300; ++i) {
      rows.push_back({"r" + std::to_string(round) + "-" + std::to_string(i),
                      kT0 - static_cast<int64_t>(rng() % (60 * kDay))});
    }
    Insert(obj, rows);
    const TimestampMicros cutoff = kT0 - static_cast<int64_t>(rng() % (60 * kDay));
    std::vector<int64_t> exempt;
    std::set<std::string> exempt_ids;
    for (const auto& [id, created] : rows) {
      if (rng() % 5 == 0) {
        exempt.push_back((*store_->GetEvent(obj, id))->row_key);
        exempt_ids.insert(id);
      }
    }
    const auto before = Visible(obj);
    ASSERT_TRUE(
        store_->AddRetentionMark(Mark("p" + std::to_string(round), cutoff, obj), exempt).ok());
    const auto after = Visible(obj);
    for (const auto& [id, created] : rows) {
      const bool should_hide = created < cutoff && !exempt_ids.count(id);
      EXPECT_EQ(after.count(id) == 0, should_hide) << id;
    }
    for (const auto& id : after) EXPECT_TRUE(before.count(id)) << id;
  }
}

TEST_F(RetentionStoreTest, InsertsCommittedWhileThePurgeRunsAreAllKept) {
  std::vector<std::pair<std::string, TimestampMicros>> old;
  for (int i = 0; i < 20000; ++i) old.push_back({"old" + std::to_string(i), kT0 - 30 * kDay});
  Insert(logs_, old);
  ASSERT_TRUE(store_->AddRetentionMark(Mark("run", kT0 - kDay, logs_), {}).ok());
  std::set<std::string> fresh;
  std::thread writer([&] {
    for (int b = 0; b < 40; ++b) {
      std::vector<std::pair<std::string, TimestampMicros>> rows;
      for (int i = 0; i < 25; ++i) {
        rows.push_back({"new" + std::to_string(b) + "-" + std::to_string(i), kT0 - 30 * kDay});
        fresh.insert(rows.back().first);
      }
      Insert(logs_, rows);  // backdated, but written after the mark: never purged
    }
  });
  auto purged = store_->PurgeExpiredMarks(kT0 + kDay);
  writer.join();
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(*purged, (std::vector<std::pair<std::string, int64_t>>{{"run", 20000}}));
  EXPECT_EQ(Visible(logs_), fresh);
}

TEST_F(RetentionStoreTest, APurgeStoppedMidwayFinishesOnTheNextRunSparingExemptRows) {
  std::vector<std::pair<std::string, TimestampMicros>> rows;
  for (int i = 0; i < 5000; ++i) rows.push_back({"r" + std::to_string(i), kT0 - 30 * kDay});
  Insert(logs_, rows);
  std::vector<int64_t> exempt;
  std::set<std::string> kept;
  for (int i = 0; i < 5000; i += 97) {  // spread over every batch of the purge
    exempt.push_back((*store_->GetEvent(logs_, rows[i].first))->row_key);
    kept.insert(rows[i].first);
  }
  ASSERT_TRUE(store_->AddRetentionMark(Mark("run", kT0 - kDay, logs_), exempt).ok());
  // A purge stopped after its first batches: some hidden rows are gone, the mark still active.
  ExecOnFile("DELETE FROM events WHERE id IN ('r1', 'r2', 'r3', 'r98', 'r99', 'r4000')");
  auto purged = store_->PurgeExpiredMarks(kT0 + kDay);
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  const int64_t hidden_left = 5000 - static_cast<int64_t>(kept.size()) - 6;
  EXPECT_EQ(*purged, (std::vector<std::pair<std::string, int64_t>>{{"run", hidden_left}}));
  EXPECT_EQ(Visible(logs_), kept);
  EXPECT_TRUE(store_->PurgeExpiredMarks(kT0 + 2 * kDay)->empty());  // nothing left due
}

// With small event segments: each insert batch of kSegmentRows rows fills one segment.
class SegmentRetentionTest : public RetentionStoreTest {
 protected:
  static constexpr int kSegmentRows = 10;

  void SetUp() override {
    RetentionStoreTest::SetUp();
    Reopen();
  }

  void Reopen() {
    store_.reset();
    SqliteStoreOptions o;
    o.segment_rows = kSegmentRows;
    o.scan_page_rows = 3;
    auto s = SqliteStore::Open(dir_.File("db"), o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }

  // One integer from the database file, read by SQLite itself on its own connection.
  int64_t QueryInt(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(dir_.File("db").c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    const std::string attach =
        "ATTACH '" + SqliteStore::KeysFilePath(dir_.File("db")) + "' AS keys";
    EXPECT_EQ(sqlite3_exec(db, attach.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    int64_t out = -1;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      out = sqlite3_column_int64(st, 0);
    } else {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }

  bool TableExists(const std::string& name) {
    return QueryInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" + name +
                    "'") == 1;
  }

  // The key tables of segment table `name` in the keys file: 2 when both are there.
  int64_t KeyTables(const std::string& name) {
    return QueryInt("SELECT count(*) FROM keys.sqlite_master WHERE type = 'table' AND name IN ('" +
                    name + "_ids', '" + name + "_roots')");
  }

  // Batch `b`: ids "b<b>-0".."b<b>-9", the first `old` of them created 30 days ago.
  std::vector<std::pair<std::string, TimestampMicros>> BatchRows(int b, int old) {
    std::vector<std::pair<std::string, TimestampMicros>> rows;
    for (int i = 0; i < kSegmentRows; ++i) {
      rows.push_back(
          {"b" + std::to_string(b) + "-" + std::to_string(i), i < old ? kT0 - 30 * kDay : kT0});
    }
    return rows;
  }
};

TEST_F(SegmentRetentionTest, APurgeDropsTheSegmentsItEmptiesAndDeletesTheRestRowByRow) {
  std::set<std::string> fresh;
  for (int b = 0; b < 6; ++b) {
    const int old = b < 3 ? kSegmentRows : b == 3 ? 5 : 0;  // batch 3 straddles the cutoff
    const auto rows = BatchRows(b, old);
    for (int i = old; i < kSegmentRows; ++i) fresh.insert(rows[i].first);
    Insert(logs_, rows);
  }
  ASSERT_TRUE(TableExists("events_5"));  // one segment per batch, and an open one after them
  ASSERT_TRUE(TableExists("events_6"));
  store_->WaitForKeyWork();
  ASSERT_EQ(KeyTables("events_1"), 2);
  ASSERT_TRUE(store_->AddRetentionMark(Mark("run", kT0 - kDay, logs_), {}).ok());
  auto purged = store_->PurgeExpiredMarks(kT0 + kDay);
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(*purged, (std::vector<std::pair<std::string, int64_t>>{{"run", 35}}));
  EXPECT_EQ(Visible(logs_), fresh);
  // The three segments the mark covered are gone as tables; batch 3's keeps its new half.
  EXPECT_FALSE(TableExists("events"));
  EXPECT_FALSE(TableExists("events_1"));
  EXPECT_FALSE(TableExists("events_2"));
  EXPECT_EQ(QueryInt("SELECT count(*) FROM events_3"), 5);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM event_segments"), 4);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM events_all"), static_cast<int64_t>(fresh.size()));
  // Their key tables went from the keys file after them.
  store_->WaitForKeyWork();
  EXPECT_EQ(KeyTables("events") + KeyTables("events_1") + KeyTables("events_2"), 0);
  EXPECT_EQ(KeyTables("events_3"), 2);
  EXPECT_EQ(QueryInt("PRAGMA keys.freelist_count"), 0);  // their pages given back
  // A purged id is free again, and the store keeps working after a reopen.
  Insert(logs_, {{"b0-0", kT0}});
  Reopen();
  EXPECT_EQ(Visible(logs_).size(), fresh.size() + 1);
  EXPECT_TRUE(store_->GetEvent(logs_, "b0-0")->has_value());
}

TEST_F(SegmentRetentionTest, AFewRowsThatStayMoveToTheOpenSegmentAndTheirSegmentIsDropped) {
  Insert(logs_, BatchRows(0, kSegmentRows));
  Insert(logs_, BatchRows(1, kSegmentRows));
  const model::Event keep = **store_->GetEvent(logs_, "b0-3");
  ASSERT_TRUE(store_->AddRetentionMark(Mark("run", kT0 - kDay, logs_), {keep.row_key}).ok());
  auto purged = store_->PurgeExpiredMarks(kT0 + kDay);
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(*purged, (std::vector<std::pair<std::string, int64_t>>{{"run", 19}}));
  EXPECT_EQ(Visible(logs_), (std::set<std::string>{"b0-3"}));
  EXPECT_FALSE(TableExists("events"));
  EXPECT_FALSE(TableExists("events_1"));
  // The exempt row is the same row (key, transaction, fields), now in the open segment.
  EXPECT_EQ(
      QueryInt("SELECT count(*) FROM events_2 WHERE row_key = " + std::to_string(keep.row_key) +
               " AND xact_id = " + std::to_string(keep.xact_id)),
      1);
  const model::Event after = **store_->GetEvent(logs_, "b0-3");
  EXPECT_EQ(after.row_key, keep.row_key);
  EXPECT_EQ(after.created, keep.created);
  EXPECT_EQ(after.input, keep.input);
}

TEST_F(SegmentRetentionTest, ASegmentWithManyRowsThatStayKeepsThemInPlace) {
  Insert(logs_, BatchRows(0, 4));  // 4 old, 6 new
  Insert(logs_, BatchRows(1, 0));
  ASSERT_TRUE(store_->AddRetentionMark(Mark("run", kT0 - kDay, logs_), {}).ok());
  auto purged = store_->PurgeExpiredMarks(kT0 + kDay);
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(*purged, (std::vector<std::pair<std::string, int64_t>>{{"run", 4}}));
  EXPECT_EQ(QueryInt("SELECT count(*) FROM events"), 6);
  EXPECT_EQ(Visible(logs_).size(), 16u);
}

TEST_F(SegmentRetentionTest, InsertsWhileSegmentsAreDroppedAreAllKept) {
  for (int b = 0; b < 12; ++b) Insert(logs_, BatchRows(b, b == 11 ? 1 : kSegmentRows));
  ASSERT_TRUE(store_->AddRetentionMark(Mark("run", kT0 - kDay, logs_), {}).ok());
  std::set<std::string> fresh;
  for (int i = 1; i < kSegmentRows; ++i) fresh.insert("b11-" + std::to_string(i));
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    // Ten batches at least, then on until the purge ends, paced like a client (each batch seals
    // a segment here, and sealing stops at a few hundred).
    for (int b = 100; (!stop.load() || b < 110) && b < 300; ++b) {
      const auto rows = BatchRows(b, kSegmentRows);  // backdated, written after the mark
      for (const auto& r : rows) fresh.insert(r.first);
      Insert(logs_, rows);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  auto purged = store_->PurgeExpiredMarks(kT0 + kDay);
  stop = true;
  writer.join();
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(*purged, (std::vector<std::pair<std::string, int64_t>>{{"run", 111}}));
  EXPECT_EQ(Visible(logs_), fresh);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM events_all"), static_cast<int64_t>(fresh.size()));
}

TEST_F(SegmentRetentionTest, SegmentsOfAnotherObjectAreNotDroppedByThisObjectsMark) {
  model::Dataset d;
  d.id = NewUuid();
  d.project_id = project_.id;
  d.name = "ds";
  d.created = kT0;
  ASSERT_TRUE(store_->CreateDataset(d).ok());
  const ObjectRef ds{ObjectType::kDataset, d.id};
  Insert(ds, BatchRows(0, kSegmentRows));     // old dataset rows, no mark on the dataset
  Insert(logs_, BatchRows(1, kSegmentRows));  // old log rows, marked
  ASSERT_TRUE(store_->AddRetentionMark(Mark("run", kT0 - kDay, logs_), {}).ok());
  ASSERT_TRUE(store_->PurgeExpiredMarks(kT0 + kDay).ok());
  EXPECT_TRUE(Visible(logs_).empty());
  EXPECT_EQ(Visible(ds).size(), static_cast<size_t>(kSegmentRows));
  EXPECT_TRUE(TableExists("events"));
  EXPECT_FALSE(TableExists("events_1"));
}

TEST_F(SegmentRetentionTest, ARowReplacedFromASealedSegmentMovesToTheOpenOne) {
  Insert(logs_, BatchRows(0, 0));
  Insert(logs_, BatchRows(1, 0));
  auto w = model::ParseInsertRequest(R"({"events":[{"id":"b0-4","input":"y"}]})");
  ASSERT_TRUE(store_->InsertEvents(logs_, org_.id, project_.id, *w, kT0).ok());
  EXPECT_EQ((*store_->GetEvent(logs_, "b0-4"))->input, "\"y\"");
  EXPECT_EQ(Visible(logs_).size(), 2u * kSegmentRows);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM events WHERE id = 'b0-4'"), 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM events_all"), 2 * kSegmentRows);
  // After a reopen the sealed segments' id filters are rebuilt from the file.
  Reopen();
  w = model::ParseInsertRequest(R"({"events":[{"id":"b1-7","input":"z"}]})");
  ASSERT_TRUE(store_->InsertEvents(logs_, org_.id, project_.id, *w, kT0).ok());
  EXPECT_EQ((*store_->GetEvent(logs_, "b1-7"))->input, "\"z\"");
  EXPECT_EQ(QueryInt("SELECT count(*) FROM events_all"), 2 * kSegmentRows);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM events_all WHERE id = 'b1-7'"), 1);
}

TEST_F(SegmentRetentionTest, ScansMergeTheSegmentsInEveryOrder) {
  std::mt19937_64 rng(11);
  std::vector<std::pair<std::string, TimestampMicros>> all;
  for (int b = 0; b < 7; ++b) {
    std::vector<std::pair<std::string, TimestampMicros>> rows;
    for (int i = 0; i < 4; ++i) {
      rows.push_back({"s" + std::to_string(b) + "-" + std::to_string(i),
                      kT0 - static_cast<int64_t>(rng() % (20 * kDay))});
    }
    Insert(logs_, rows);
    all.insert(all.end(), rows.begin(), rows.end());
  }
  ASSERT_TRUE(TableExists("events_2"));
  auto scan = [&](model::ScanOrder order) {
    model::ScanRequest r;
    r.object = logs_;
    r.order = order;
    auto s = std::move(store_->Scan(r).value());
    std::vector<model::Event> out;
    model::Event e;
    while (*s->Next(&e)) out.push_back(e);
    return out;
  };
  const auto by_xact = scan(model::ScanOrder::kXactAscending);
  ASSERT_EQ(by_xact.size(), all.size());
  for (size_t i = 1; i < by_xact.size(); ++i) {
    EXPECT_LT(std::make_pair(by_xact[i - 1].xact_id, by_xact[i - 1].row_key),
              std::make_pair(by_xact[i].xact_id, by_xact[i].row_key));
  }
  auto sorted = all;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.second < b.second; });
  const auto up = scan(model::ScanOrder::kCreatedAscending);
  const auto down = scan(model::ScanOrder::kCreatedDescending);
  ASSERT_EQ(up.size(), all.size());
  ASSERT_EQ(down.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(up[i].created, sorted[i].second);
    EXPECT_EQ(down[i].created, sorted[all.size() - 1 - i].second);
  }
  // Lookups by id and by trace across segments.
  model::ScanRequest r;
  r.object = logs_;
  r.ids = {"s0-1", "s6-2", "s3-3"};
  EXPECT_EQ(*store_->CountRows(r), 3);
}

// A scan in _xact_id order reads the segments one by one where their _xact_id ranges allow
// (and merges those that overlap): rows moved into the open segment keep their old _xact_id, a
// retention mark hides every row of whole segments and some of others, and replaced rows leave
// their segment. Every visible row comes once, in order, page by page and from any cursor; the
// same rows as a scan by id list, which merges every segment.
TEST_F(SegmentRetentionTest, XactScansReadSegmentsOneByOneAndReturnEveryVisibleRowOnceInOrder) {
  for (int b = 0; b < 4; ++b) Insert(logs_, BatchRows(b, b == 0 ? kSegmentRows : 0));
  // Batch 0 is all old: two exempt rows stay and move to the open segment with their _xact_id.
  const int64_t keep1 = (*store_->GetEvent(logs_, "b0-2"))->row_key;
  const int64_t keep2 = (*store_->GetEvent(logs_, "b0-7"))->row_key;
  ASSERT_TRUE(store_->AddRetentionMark(Mark("purged", kT0 - kDay, logs_), {keep1, keep2}).ok());
  ASSERT_TRUE(store_->PurgeExpiredMarks(kT0 + kDay).ok());
  for (int b = 4; b < 9; ++b) Insert(logs_, BatchRows(b, b == 5 || b == 6 ? kSegmentRows : 3));
  Insert(logs_, {{"b2-4", kT0}, {"b7-1", kT0}});  // replaced: the new versions are the newest
  // Hidden, not purged: batches 5 and 6 whole, the first three rows of batches 4, 7 (but the
  // replaced b7-1) and 8; the moved rows are exempt again.
  ASSERT_TRUE(store_->AddRetentionMark(Mark("hidden", kT0 - kDay, logs_), {keep1, keep2}).ok());
  Insert(logs_, BatchRows(9, 0));

  model::ScanRequest every;
  every.object = logs_;
  const std::vector<model::Event> rows = Scanned(every);
  model::ScanRequest listed = every;
  for (int b = 0; b < 10; ++b) {
    for (int i = 0; i < kSegmentRows; ++i) {
      listed.ids.push_back("b" + std::to_string(b) + "-" + std::to_string(i));
    }
  }
  std::vector<model::Event> want = Scanned(listed);
  std::sort(want.begin(), want.end(), [](const model::Event& a, const model::Event& b) {
    return std::make_pair(a.xact_id, a.row_key) < std::make_pair(b.xact_id, b.row_key);
  });
  // 2 moved, 10 of each of batches 1-3 and 9, 7 of batches 4 and 8, 8 of 7, none of 5 and 6.
  ASSERT_EQ(want.size(), 2u + 4 * 10 + 2 * 7 + 8);
  ASSERT_EQ(rows.size(), want.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].id, want[i].id) << i;
    EXPECT_EQ(rows[i].row_key, want[i].row_key) << i;
  }
  EXPECT_EQ(rows.front().id, "b0-2");  // the moved rows keep their place, first
  EXPECT_EQ(rows[1].id, "b0-7");
  // From every cursor, the rest.
  for (size_t i = 0; i < rows.size(); ++i) {
    model::ScanRequest from = every;
    from.after = model::XactCursor{rows[i].xact_id, rows[i].row_key};
    const std::vector<model::Event> rest = Scanned(from);
    ASSERT_EQ(rest.size(), rows.size() - i - 1) << i;
    for (size_t j = 0; j < rest.size(); ++j) EXPECT_EQ(rest[j].row_key, rows[i + 1 + j].row_key);
  }
}

// Segments whose _xact_id ranges overlap in any way, made here by moving rows' _xact_ids in
// the file: segment 0 ends where segment 1 starts, and segment 1 also holds a row past all of
// segment 2's. A page that reads segments 0 and 1 together must stop below segment 2's first
// row, or that row of segment 1 would come before segment 2's rows and the cursor pass them.
TEST_F(SegmentRetentionTest, XactScansKeepTheOrderWhereSegmentRangesOverlap) {
  for (int b = 0; b < 3; ++b) Insert(logs_, BatchRows(b, 0));  // segments 0-2, sealed
  Insert(logs_, {{"open-0", kT0}, {"open-1", kT0}});
  const int64_t x1 = (*store_->GetEvent(logs_, "b1-0"))->xact_id;
  const int64_t x2 = (*store_->GetEvent(logs_, "b2-0"))->xact_id;
  store_.reset();
  {
    auto c = std::move(Connection::Open(dir_.File("db")).value());
    ASSERT_TRUE(
        c->Exec("UPDATE events SET xact_id = " + std::to_string(x1) + " WHERE id = 'b0-9'").ok());
    ASSERT_TRUE(
        c->Exec("UPDATE events_1 SET xact_id = " + std::to_string(x2 + 1000) + " WHERE id = 'b1-4'")
            .ok());
  }
  Reopen();
  auto read = [&](model::ScanRequest r) {
    r.object = logs_;
    return Scanned(r);
  };
  const std::vector<model::Event> rows = read({});
  ASSERT_EQ(rows.size(), 3u * kSegmentRows + 2);
  for (size_t i = 1; i < rows.size(); ++i) {
    EXPECT_LT(std::make_pair(rows[i - 1].xact_id, rows[i - 1].row_key),
              std::make_pair(rows[i].xact_id, rows[i].row_key))
        << i;
  }
  EXPECT_EQ(rows.back().id, "b1-4");  // past every other row now
  for (size_t i = 0; i < rows.size(); ++i) {
    model::ScanRequest from;
    from.after = model::XactCursor{rows[i].xact_id, rows[i].row_key};
    EXPECT_EQ(read(from).size(), rows.size() - i - 1) << i;
  }
}

TEST_F(SegmentRetentionTest, ADropACrashInterruptedIsFinishedOnOpen) {
  Insert(logs_, BatchRows(0, kSegmentRows));
  Insert(logs_, BatchRows(1, 0));
  store_.reset();
  ASSERT_EQ(KeyTables("events"), 2);
  // As left by a purge killed after unpublishing segment 0 and before dropping it.
  ExecOnFile("UPDATE event_segments SET state = 2 WHERE seg = 0");
  Reopen();
  EXPECT_FALSE(TableExists("events"));
  EXPECT_EQ(KeyTables("events"), 0);  // nor its key tables, in the keys file
  EXPECT_EQ(Visible(logs_).size(), static_cast<size_t>(kSegmentRows));
  EXPECT_EQ(QueryInt("SELECT count(*) FROM events_all"), kSegmentRows);
}

TEST_F(SegmentRetentionTest, RowsCopiedOutOfAMovingSegmentAreReadOnce) {
  Insert(logs_, BatchRows(0, 0));  // segment 0, sealed
  Insert(logs_, BatchRows(1, 0));  // segment 1, sealed; segment 2 open
  store_.reset();
  // Three rows of segment 0 copied to the open segment, as a purge emptying it does.
  auto c = std::move(Connection::Open(dir_.File("db")).value());
  ASSERT_TRUE(c->Exec("INSERT INTO events_2 SELECT * FROM events LIMIT 3").ok());
  auto stored = LoadSegments(*c);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  SegmentSet set;
  set.segments = *stored;
  auto count = [&] {
    auto q = c->Prepare("SELECT count(*), count(DISTINCT row_key) FROM (" +
                        UnionSql(set, "SELECT row_key FROM $E WHERE obj_key > 0") + ")");
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    EXPECT_TRUE(*(*q)->Step());
    auto out = std::make_pair((*q)->Int(0), (*q)->Int(1));
    (*q)->Reset();
    return out;
  };
  EXPECT_EQ(count(), std::make_pair(int64_t{23}, int64_t{20}));  // read twice when not moving
  set.segments[0].state = SegmentState::kMoving;
  set.segments[0].moved_to = "events_2";
  EXPECT_EQ(count(), std::make_pair(int64_t{20}, int64_t{20}));
  // A crash in the middle of the move: on open the copies go and the segment is sealed again.
  ASSERT_TRUE(
      c->Exec("UPDATE event_segments SET state = 3, moved_to = 'events_2' WHERE seg = 0").ok());
  c.reset();
  Reopen();
  EXPECT_EQ(QueryInt("SELECT count(*) FROM events_2"), 0);
  EXPECT_EQ(QueryInt("SELECT state FROM event_segments WHERE seg = 0"), 1);
  EXPECT_EQ(Visible(logs_).size(), 2u * kSegmentRows);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM events_all"), 2 * kSegmentRows);
}

TEST_F(SegmentRetentionTest, ASealedSegmentWhoseRowsAllLeftIsDroppedByTheNextPurge) {
  Insert(logs_, BatchRows(0, 0));
  Insert(logs_, BatchRows(1, 0));
  // Every row of segment 0 replaced: the new versions live in segment 1 and 2.
  auto rows = BatchRows(0, 0);
  for (auto& r : rows) r.second = kT0 + 1;
  Insert(logs_, rows);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM events"), 0);
  auto purged = store_->PurgeExpiredMarks(kT0);  // no marks at all
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_TRUE(purged->empty());
  EXPECT_FALSE(TableExists("events"));
  EXPECT_EQ(Visible(logs_).size(), 2u * kSegmentRows);
}

// A segment another process's purge is dropping is still read there: opening the store here
// leaves its key tables in the keys file.
TEST_F(SegmentRetentionTest, OpeningWhileAnotherProcessDropsASegmentKeepsItsKeyTables) {
  Insert(logs_, BatchRows(0, 0));
  Insert(logs_, BatchRows(1, 0));
  store_.reset();
  ASSERT_EQ(KeyTables("events"), 2);
  ExecOnFile("UPDATE event_segments SET state = 2 WHERE seg = 0;" +
             AnotherProcessHoldsThePurgeLease());
  Reopen();  // e.g. `sluice admin …` while the server runs
  EXPECT_TRUE(TableExists("events"));
  EXPECT_EQ(KeyTables("events"), 2);
}

TEST_F(SegmentRetentionTest, OpeningWhileAnotherProcessPurgesLeavesItsMoveAlone) {
  Insert(logs_, BatchRows(0, 0));
  Insert(logs_, BatchRows(1, 0));
  store_.reset();
  // Another process (holding the purge lease) is copying segment 0's rows out.
  ExecOnFile(
      "INSERT INTO events_2 SELECT * FROM events LIMIT 4;"
      "UPDATE event_segments SET state = 3, moved_to = 'events_2' WHERE seg = 0;" +
      AnotherProcessHoldsThePurgeLease());
  Reopen();  // e.g. `sluice admin …` while the server runs
  EXPECT_EQ(QueryInt("SELECT count(*) FROM events_2"), 4);  // its copies are kept
  EXPECT_EQ(QueryInt("SELECT state FROM event_segments WHERE seg = 0"), 3);
  EXPECT_EQ(Visible(logs_).size(), 2u * kSegmentRows);  // and each row is read once
  // Once this process purges (the other one gone), it starts that move over.
  ExecOnFile("DELETE FROM leases");
  ASSERT_TRUE(store_->PurgeExpiredMarks(kT0).ok());
  EXPECT_EQ(QueryInt("SELECT count(*) FROM events_2"), 0);
  EXPECT_EQ(QueryInt("SELECT state FROM event_segments WHERE seg = 0"), 1);
  EXPECT_EQ(Visible(logs_).size(), 2u * kSegmentRows);
}

}  // namespace
}  // namespace sluice::store::sqlite
