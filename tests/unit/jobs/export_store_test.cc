// Export state and export file records in the SQLite store: the exactly-once bookkeeping the
// export runner relies on.
#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace sluice::store {
namespace {

class ExportStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = sqlite::SqliteStore::Open(dir_.File("db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }

  ExportFile Planned(int64_t seq, model::XactCursor from) {
    ExportFile f;
    f.automation_id = "a1";
    f.run_id = "r1";
    f.date_folder = "2026-11-28";
    f.sequence = seq;
    f.key = "p/2026-11-28/export_00" + std::to_string(seq) + ".jsonl";
    f.from = from;
    f.xact_bound = 100;
    f.row_limit = 10;
    return f;
  }

  testing::TempDir dir_;
  std::unique_ptr<sqlite::SqliteStore> store_;
};

TEST_F(ExportStoreTest, UnregisteredUntilRegistered) {
  auto st = store_->GetExportState("a1");
  ASSERT_TRUE(st.ok());
  EXPECT_FALSE(st->has_value());
  ASSERT_TRUE(store_->RegisterExport("a1", "key-1", 5).ok());
  st = store_->GetExportState("a1");
  ASSERT_TRUE(st.ok() && st->has_value());
  EXPECT_EQ((*st)->token_key_id, "key-1");
  EXPECT_EQ((*st)->cursor, model::XactCursor{});
}

TEST_F(ExportStoreTest, CommitMovesCursorOnceAndNumberingSurvivesReset) {
  ASSERT_TRUE(store_->RegisterExport("a1", "key-1", 5).ok());
  EXPECT_EQ(*store_->NextExportSequence("a1", "2026-11-28"), 1);
  auto f = store_->AddPendingExportFile(Planned(1, {}));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  // Only one pending file at a time.
  EXPECT_EQ(store_->AddPendingExportFile(Planned(2, {})).status().code(),
            StatusCode::kFailedPrecondition);
  auto pending = store_->FindPendingExportFile("a1");
  ASSERT_TRUE(pending.ok() && pending->has_value());
  EXPECT_EQ((*pending)->key, f->key);

  ExportFile done = *f;
  done.to = {7, 3};
  done.rows = 3;
  done.bytes = 42;
  done.sha256 = "ab";
  ASSERT_TRUE(store_->CommitExportFile(done).ok());
  EXPECT_EQ((*store_->GetExportState("a1"))->cursor, (model::XactCursor{7, 3}));
  // Committing again is refused: the file is no longer pending.
  EXPECT_EQ(store_->CommitExportFile(done).code(), StatusCode::kAborted);
  EXPECT_FALSE(store_->FindPendingExportFile("a1")->has_value());
  EXPECT_EQ(store_->ListExportFiles("r1")->size(), 1u);

  // A file planned from a stale cursor cannot commit.
  auto stale = store_->AddPendingExportFile(Planned(2, {}));
  ASSERT_TRUE(stale.ok());
  stale->to = {9, 9};
  EXPECT_EQ(store_->CommitExportFile(*stale).code(), StatusCode::kAborted);
  EXPECT_EQ((*store_->GetExportState("a1"))->cursor, (model::XactCursor{7, 3}));

  ASSERT_TRUE(store_->ResetExport("a1").ok());
  EXPECT_EQ((*store_->GetExportState("a1"))->cursor, model::XactCursor{});
  EXPECT_FALSE(store_->FindPendingExportFile("a1")->has_value());
  EXPECT_EQ(*store_->NextExportSequence("a1", "2026-11-28"), 3);
  EXPECT_EQ(*store_->NextExportSequence("a1", "2026-11-29"), 1);
}

}  // namespace
}  // namespace sluice::store
