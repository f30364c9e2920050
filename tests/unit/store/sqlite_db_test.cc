// Connection's prepared-statement cache: bounded, least recently used evicted first, and a
// statement being stepped stays valid while fewer than the capacity of other texts come and go.
#include "store/sqlite/sqlite_db.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "testing/temp_dir.h"

namespace sluice::store::sqlite {
namespace {

std::string SelectConstant(int i) { return "SELECT " + std::to_string(i); }

// The first column of the first row `sql` gives on `c`, as text; what went wrong otherwise.
std::string FirstValue(Connection& c, const std::string& sql) {
  auto st = c.Prepare(sql);
  if (!st.ok()) return "error: " + st.status().ToString();
  auto row = (*st)->Step();
  if (!row.ok()) return "error: " + row.status().ToString();
  if (!*row) return "no row";
  std::string value = (*st)->Text(0);
  (*st)->Reset();
  return value;
}

class StatementCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = Connection::Open(dir_.File("db.sqlite"));
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    conn_ = std::move(c).value();
  }

  int64_t RunConstant(int i) {
    auto st = conn_->Prepare(SelectConstant(i));
    EXPECT_TRUE(st.ok());
    auto row = (*st)->Step();
    EXPECT_TRUE(row.ok() && *row);
    return (*st)->Int(0);
  }

  testing::TempDir dir_;
  std::unique_ptr<Connection> conn_;
};

TEST_F(StatementCacheTest, DefaultCapacityBoundsManyDistinctTexts) {
  EXPECT_EQ(conn_->statement_cache_capacity(), 64u);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(RunConstant(i), i);
  EXPECT_EQ(conn_->cached_statements(), 64u);
}

TEST_F(StatementCacheTest, EvictsTheLeastRecentlyUsed) {
  conn_->set_statement_cache_capacity(3);
  auto a = conn_->Prepare(SelectConstant(1));
  ASSERT_TRUE(a.ok());
  Statement* first = *a;
  RunConstant(2);
  RunConstant(3);
  // Using 1 again makes 2 the least recently used: adding 4 evicts 2, keeps 1.
  auto again = conn_->Prepare(SelectConstant(1));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, first);
  RunConstant(4);
  EXPECT_EQ(conn_->cached_statements(), 3u);
  auto still = conn_->Prepare(SelectConstant(1));
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(*still, first);
  EXPECT_EQ(RunConstant(2), 2);  // prepared anew, still correct
  EXPECT_EQ(conn_->cached_statements(), 3u);
}

TEST_F(StatementCacheTest, AStatementBeingSteppedSurvivesFewerOtherTexts) {
  ASSERT_TRUE(conn_->Exec("CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1), (2), (3);").ok());
  conn_->set_statement_cache_capacity(4);
  auto scan = conn_->Prepare("SELECT x FROM t ORDER BY x");
  ASSERT_TRUE(scan.ok());
  auto row = (*scan)->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ((*scan)->Int(0), 1);
  // Three other texts, used over and over while the scan is mid-way.
  for (int i = 0; i < 30; ++i) EXPECT_EQ(RunConstant(i % 3), i % 3);
  row = (*scan)->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ((*scan)->Int(0), 2);
  EXPECT_EQ(conn_->cached_statements(), 4u);
}

TEST(BackgroundCheckpointTest, TheWalStaysBoundedAndEveryCommitIsKept) {
  testing::TempDir dir;
  const std::string path = dir.File("db.sqlite");
  auto writer = Connection::Open(path);
  ASSERT_TRUE(writer.ok());
  Connection& w = **writer;
  ASSERT_TRUE(w.Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)").ok());
  ASSERT_TRUE(w.CheckpointInBackground(path, 4).ok());
  const std::string blob(40 << 10, 'x');  // a few 16 KiB pages per commit
  uintmax_t wal_max = 0;
  for (int i = 0; i < 200; ++i) {
    auto st = w.Prepare("INSERT INTO t(v) VALUES (?)");
    ASSERT_TRUE(st.ok());
    ASSERT_TRUE((*st)->Bind(1, blob).Run().ok());
    wal_max = std::max(wal_max, std::filesystem::file_size(path + "-wal"));
  }
  // 200 commits wrote ~8 MB; the WAL never held more than the fallback bound (32 pages) plus
  // one commit and its headers.
  EXPECT_LT(wal_max, uintmax_t{48} * 16384);
  auto reader = Connection::Open(path);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(FirstValue(**reader, "SELECT count(*) FROM t"), "200");
}

// A reader opened while the writer is inside a transaction opens at once and reads what was
// committed: opening it takes no lock the writer holds. (Every connection used to set the file's
// auto-vacuum mode, a write to its header that waited out the writer's transaction: requests
// that opened a reader under load stalled up to a second, or failed after the busy timeout.)
TEST(ConnectionTest, AnotherConnectionOpensWhileTheWriterIsInATransaction) {
  testing::TempDir dir;
  const std::string path = dir.File("db.sqlite");
  auto writer = Connection::Open(path);
  ASSERT_TRUE(writer.ok());
  Connection& w = **writer;
  ASSERT_TRUE(w.Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); "
                     "INSERT INTO t(v) VALUES ('committed')")
                  .ok());
  ASSERT_TRUE(w.Exec("BEGIN IMMEDIATE; INSERT INTO t(v) VALUES ('pending')").ok());
  auto reader = Connection::OpenAnother(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  Connection& r = **reader;
  EXPECT_EQ(FirstValue(r, "SELECT count(*) FROM t"), "1");  // the writer's transaction unseen
  ASSERT_TRUE(w.Exec("COMMIT").ok());
  // The file's settings are the writer's: WAL, incremental auto-vacuum, 16 KiB pages.
  EXPECT_EQ(FirstValue(r, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(FirstValue(r, "PRAGMA auto_vacuum"), "2");
  EXPECT_EQ(FirstValue(r, "PRAGMA page_size"), "16384");
}

// The writer's page cache stays within its 64 MiB while far more is written. (With its own
// settings set before the file's, the same writes left 130 MB in its cache, and a server held
// 170 MB more memory after an ingest.)
TEST(ConnectionTest, TheWritersPageCacheStaysWithinItsSize) {
  testing::TempDir dir;
  auto writer = Connection::Open(dir.File("db.sqlite"));
  ASSERT_TRUE(writer.ok());
  Connection& w = **writer;
  ASSERT_TRUE(w.Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)").ok());
  const std::string blob(48 << 10, 'x');
  ASSERT_TRUE(w.Exec("BEGIN").ok());
  for (int i = 0; i < 2'500; ++i) {  // about 120 MB in one transaction
    auto st = w.Prepare("INSERT INTO t(v) VALUES (?)");
    ASSERT_TRUE(st.ok());
    ASSERT_TRUE((*st)->Bind(1, blob).Run().ok());
  }
  ASSERT_TRUE(w.Exec("COMMIT").ok());
  int used = 0;
  int highwater = 0;
  ASSERT_EQ(sqlite3_db_status(w.raw(), SQLITE_DBSTATUS_CACHE_USED, &used, &highwater, 0),
            SQLITE_OK);
  EXPECT_LE(used, 66 << 20);  // 64 MiB and the cache's own bookkeeping
}

}  // namespace
}  // namespace sluice::store::sqlite
