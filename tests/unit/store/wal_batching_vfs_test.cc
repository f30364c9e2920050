// The VFS that gathers WAL writes (wal_batching_vfs.h), judged by connections through SQLite's
// own Unix VFS, which read the WAL file as it is: every commit is in the file, whole, when it
// returns; a transaction whose pages spilled into the WAL before its end commits or rolls back
// whole; the file passes SQLite's integrity check.
#include "store/sqlite/wal_batching_vfs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <string>

#include "store/sqlite/sqlite_db.h"
#include "testing/temp_dir.h"

namespace sluice::store::sqlite {
namespace {

// A connection through the platform's VFS (not the gathering one).
class PlainReader {
 public:
  explicit PlainReader(const std::string& path) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  }
  ~PlainReader() { sqlite3_close(db_); }

  // The first column of the first row, as bytes; "error: …" or "no row" otherwise.
  std::string Value(const std::string& sql, int64_t arg = 0) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      return std::string("error: ") + sqlite3_errmsg(db_);
    }
    sqlite3_bind_int64(st, 1, arg);
    std::string out;
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      const auto* p = static_cast<const char*>(sqlite3_column_blob(st, 0));
      out.assign(p == nullptr ? "" : p, static_cast<size_t>(sqlite3_column_bytes(st, 0)));
    } else {
      out = rc == SQLITE_DONE ? "no row" : std::string("error: ") + sqlite3_errmsg(db_);
    }
    sqlite3_finalize(st);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

// Row `i`'s value: `bytes` bytes that differ from every other row's.
std::string RowValue(int i, size_t bytes) {
  std::string v(bytes, static_cast<char>('a' + i % 26));
  const std::string tag = "row " + std::to_string(i) + ";";
  for (size_t at = 0; at + tag.size() <= bytes; at += 4093) v.replace(at, tag.size(), tag);
  return v;
}

Status Insert(Connection& c, int id, const std::string& value) {
  SLUICE_ASSIGN_OR_RETURN(Statement * st, c.Prepare("INSERT INTO t(id, v) VALUES (?, ?)"));
  return st->Bind(1, int64_t{id}).Bind(2, value).Run();
}

// Row `id`'s value as the writer reads it.
std::string WriterValue(Connection& c, int id) {
  auto st = c.Prepare("SELECT v FROM t WHERE id = ?");
  if (!st.ok()) return "error: " + st.status().ToString();
  (*st)->Bind(1, int64_t{id});
  auto row = (*st)->Step();
  std::string out = !row.ok() ? "error: " + row.status().ToString()
                    : *row    ? (*st)->Text(0)
                              : "no row";
  (*st)->Reset();
  return out;
}

TEST(WalBatchingVfsTest, EveryCommitIsInTheFileWhenItReturns) {
  testing::TempDir dir;
  const std::string path = dir.File("db.sqlite");
  auto writer = Connection::Open(path);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  Connection& w = **writer;
  ASSERT_TRUE(w.Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)").ok());
  PlainReader r(path);
  // From a part of one page to commits of many frames and past the 4 MiB gathered at most.
  const size_t sizes[] = {100, 20 << 10, 300 << 10, 5 << 20};
  for (int i = 0; i < 40; ++i) {
    const std::string value = RowValue(i, sizes[i % 4]);
    ASSERT_TRUE(Insert(w, i, value).ok());
    ASSERT_TRUE(r.Value("SELECT v FROM t WHERE id = ?", i) == value) << "row " << i;
    ASSERT_EQ(r.Value("SELECT count(*) FROM t"), std::to_string(i + 1));
  }
  EXPECT_EQ(r.Value("PRAGMA integrity_check"), "ok");
}

TEST(WalBatchingVfsTest, ATransactionThatSpillsIntoTheWalCommitsOrRollsBackWhole) {
  testing::TempDir dir;
  const std::string path = dir.File("db.sqlite");
  auto writer = Connection::Open(path);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  Connection& w = **writer;
  // A cache of 20 pages, so a transaction's changed pages are written to the WAL before it ends
  // and read back from there as it changes them again.
  ASSERT_TRUE(w.Exec("PRAGMA cache_size=20; CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)").ok());
  PlainReader r(path);
  ASSERT_TRUE(Insert(w, 0, RowValue(0, 1000)).ok());
  for (const bool commit : {false, true}) {
    ASSERT_TRUE(w.Exec("BEGIN").ok());
    for (int i = 1; i <= 300; ++i) {
      ASSERT_TRUE(Insert(w, i, RowValue(i, 9000)).ok());
      // Read back within the transaction: a row about 30 pages back, which the cache wrote out
      // to the WAL a few rows ago.
      const int back = std::max(1, i - 30);
      ASSERT_TRUE(WriterValue(w, back) == RowValue(back, 9000)) << "row " << back;
    }
    // Changed again: their pages come back from the WAL.
    ASSERT_TRUE(w.Exec("UPDATE t SET v = v || 'updated' WHERE id % 7 = 0").ok());
    EXPECT_EQ(r.Value("SELECT count(*) FROM t"), "1");  // nothing of it seen yet
    ASSERT_TRUE(w.Exec(commit ? "COMMIT" : "ROLLBACK").ok());
    EXPECT_EQ(r.Value("SELECT count(*) FROM t"), commit ? "301" : "1");
  }
  for (int i = 0; i <= 300; ++i) {
    const std::string expected =
        i == 0 ? RowValue(0, 1000) + "updated" : RowValue(i, 9000) + (i % 7 == 0 ? "updated" : "");
    ASSERT_TRUE(r.Value("SELECT v FROM t WHERE id = ?", i) == expected) << "row " << i;
  }
  EXPECT_EQ(r.Value("PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace sluice::store::sqlite
