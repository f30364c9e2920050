#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <limits>
#include <random>
#include <set>
#include <thread>

#include "common/time_util.h"
#include "common/uuid.h"
#include "store/sqlite/sqlite_store.h"
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

  std::set<std::string> Visible(const ObjectRef& obj) {
    model::ScanRequest r;
    r.object = obj;
    auto s = std::move(store_->Scan(r).value());
    std::set<std::string> out;
    model::Event e;
    while (*s->Next(&e)) out.insert(e.id);
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
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("db").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  ASSERT_EQ(sqlite3_exec(db,
                         "DELETE FROM events WHERE id IN ('r1', 'r2', 'r3', 'r98', 'r99', "
                         "'r4000')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto purged = store_->PurgeExpiredMarks(kT0 + kDay);
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  const int64_t hidden_left = 5000 - static_cast<int64_t>(kept.size()) - 6;
  EXPECT_EQ(*purged, (std::vector<std::pair<std::string, int64_t>>{{"run", hidden_left}}));
  EXPECT_EQ(Visible(logs_), kept);
  EXPECT_TRUE(store_->PurgeExpiredMarks(kT0 + 2 * kDay)->empty());  // nothing left due
}

}  // namespace
}  // namespace sluice::store::sqlite
