// Schema upgrades of the SQLite store: a database written by an older version opens, and its
// rows read, scan, merge and retain as before.
#include <gtest/gtest.h>

#include "model/event_write.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/scanned_rows.h"
#include "testing/temp_dir.h"

namespace sluice::store::sqlite {
namespace {

using model::Event;
using model::ObjectRef;
using model::ObjectType;

constexpr TimestampMicros kNow = 1'714'564'800'000'000LL;
constexpr char kProject[] = "11111111-1111-4111-8111-111111111111";
constexpr char kExperiment[] = "22222222-2222-4222-8222-222222222222";
// TextKeyHash of "0f8e2c4a-5b6d-4e7f-8a9b-0c1d2e3f4a5b", computed independently.
constexpr int64_t kStableUuidHash = 4808936011696442301LL;

// Writes rows the way schema version 3 stored them (object type and id in every row and
// index entry).
void WriteVersion3Database(const std::string& path) {
  auto c = Connection::Open(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(MigrateTo(**c, 3).ok());
  const std::string insert =
      "INSERT INTO events (object_type, object_id, id, xact_id, created, span_id, root_span_id, "
      "span_parents, is_root, input, metadata, org_id, project_id) VALUES ";
  const std::string p = std::string("'") + kProject + "'";
  const std::string e = std::string("'") + kExperiment + "'";
  ASSERT_TRUE((*c)->Exec(insert + "(0, " + p +
                         ", 'a', 1, 100, 'root', 'root', NULL, 1, '\"in-a\"', "
                         "'{\"x\":1}', 'org', " +
                         p +
                         "),"
                         "(0, " +
                         p +
                         ", 'b', 1, 200, 'kid', 'root', '[\"root\"]', 0, "
                         "'\"in-b\"', NULL, 'org', " +
                         p +
                         "),"
                         "(1, " +
                         e +
                         ", 'a', 2, 300, 's', 's', NULL, 1, '\"exp-a\"', NULL, "
                         "'org', " +
                         p +
                         ");"
                         "UPDATE xact_counter SET value = 2;")
                  .ok());
}

class SqliteMigrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteVersion3Database(dir_.File("old.db"));
    auto s = SqliteStore::Open(dir_.File("old.db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }

  std::vector<std::string> ScanIds(model::ScanRequest r) {
    r.object = logs_;
    std::vector<std::string> out;
    for (const Event& e : testing::ScannedRows(*store_, r)) {
      out.push_back(e.id + "@" + std::to_string(e.xact_id));
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
  ObjectRef logs_{ObjectType::kProjectLogs, kProject};
  ObjectRef experiment_{ObjectType::kExperiment, kExperiment};
};

TEST_F(SqliteMigrationTest, OldRowsReadByIdPerObject) {
  auto a = store_->GetEvent(logs_, "a");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->input, "\"in-a\"");
  EXPECT_EQ((*a)->object.id, kProject);
  auto exp_a = store_->GetEvent(experiment_, "a");
  ASSERT_TRUE(exp_a.ok() && exp_a->has_value());
  EXPECT_EQ((*exp_a)->input, "\"exp-a\"");
  EXPECT_FALSE(store_->GetEvent(logs_, "missing")->has_value());
}

TEST_F(SqliteMigrationTest, OldRowsScanByCursorIdsAndTrace) {
  EXPECT_EQ(ScanIds({}), (std::vector<std::string>{"a@1", "b@1"}));
  auto first = store_->GetEvent(logs_, "a");
  ASSERT_TRUE(first.ok() && first->has_value());
  model::ScanRequest after;
  after.after = model::XactCursor{1, (*first)->row_key};
  EXPECT_EQ(ScanIds(after), (std::vector<std::string>{"b@1"}));
  model::ScanRequest by_id;
  by_id.ids = {"b", "zzz"};
  EXPECT_EQ(ScanIds(by_id), (std::vector<std::string>{"b@1"}));
  model::ScanRequest trace;
  trace.root_span_ids = {"root"};
  EXPECT_EQ(ScanIds(trace), (std::vector<std::string>{"a@1", "b@1"}));
  model::ScanRequest newest;
  newest.order = model::ScanOrder::kCreatedDescending;
  EXPECT_EQ(ScanIds(newest), (std::vector<std::string>{"b@1", "a@1"}));
}

TEST_F(SqliteMigrationTest, WritesAfterTheUpgradeMergeIntoOldRows) {
  auto writes = model::ParseInsertRequest(
      R"({"events":[{"id":"a","_is_merge":true,"metadata":{"y":2}},{"id":"c"}]})");
  ASSERT_TRUE(writes.ok());
  auto r = store_->InsertEvents(logs_, "org", kProject, *writes, kNow);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->xact_id, 3u);
  EXPECT_EQ(ScanIds({}), (std::vector<std::string>{"b@1", "a@3", "c@3"}));
  auto a = store_->GetEvent(logs_, "a");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->metadata, R"({"x":1,"y":2})");
  EXPECT_EQ((*a)->created, 100);
  EXPECT_EQ((*store_->GetEvent(experiment_, "a"))->input, "\"exp-a\"");
}

TEST_F(SqliteMigrationTest, RetentionCountsAndHidesOldRows) {
  model::RetentionMark mark;
  mark.run_id = "run";
  mark.automation_id = "auto";
  mark.object = logs_;
  mark.cutoff = 150;
  mark.max_xact_id = 2;
  mark.created = kNow;
  mark.purge_after = kNow + 1;
  auto count = store_->CountRetention(mark);
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(count->rows, 1);
  ASSERT_TRUE(store_->AddRetentionMark(mark, {}).ok());
  EXPECT_FALSE(store_->GetEvent(logs_, "a")->has_value());
  EXPECT_EQ(ScanIds({}), (std::vector<std::string>{"b@1"}));
}

TEST(SqliteMigration, ReopeningAnUpgradedDatabaseKeepsItsRows) {
  testing::TempDir dir;
  WriteVersion3Database(dir.File("old.db"));
  for (int i = 0; i < 2; ++i) {
    auto s = SqliteStore::Open(dir.File("old.db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    auto b = (*s)->GetEvent({ObjectType::kProjectLogs, kProject}, "b");
    ASSERT_TRUE(b.ok() && b->has_value());
    EXPECT_EQ((*b)->span_parents, (std::vector<std::string>{"root"}));
  }
}

// The hash is stored in every row: changing it would make existing databases unreadable by id.
TEST(TextKeyHash, IsStableAndMatchesTheSqlFunction) {
  EXPECT_EQ(TextKeyHash("a"), TextKeyHash(std::string("a")));
  EXPECT_NE(TextKeyHash("a"), TextKeyHash("b"));
  EXPECT_EQ(TextKeyHash("0f8e2c4a-5b6d-4e7f-8a9b-0c1d2e3f4a5b"), kStableUuidHash);
  testing::TempDir dir;
  auto c = Connection::Open(dir.File("h.db"));
  ASSERT_TRUE(c.ok());
  auto s = (*c)->Prepare("SELECT sluice_key_hash('0f8e2c4a-5b6d-4e7f-8a9b-0c1d2e3f4a5b')");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(*(*s)->Step());
  EXPECT_EQ((*s)->Int(0), kStableUuidHash);
}

}  // namespace
}  // namespace sluice::store::sqlite
