// The SQLite store's keys: the open segment's, found by id and root again when the store opens,
// and sealed segments' key tables in the keys file (docs/storage.md, "The keys file"), written
// by the key worker beside the inserts, tried again when that fails, and written again from the
// database when the file cannot be trusted.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"
#include "unit/store/sqlite_store_fixture.h"

namespace sluice::store::sqlite {
namespace {

// The open segment's ids are read from its table when the store opens again: a merge into a row
// written before the restart finds it (one row, both fields), as do lookups by id and root. A
// store of an earlier layout opens the same way: an open segment with SQLite id and root
// indexes loses them, and a sealed segment with such indexes, or with none, gets its key
// tables written into the keys file (its indexes then go). A sealed segment with both (an older
// sluice indexed it again) keeps its key tables and loses the indexes. Key tables an earlier
// version wrote into the database itself stay there and answer.
TEST_F(SqliteStoreTest, RowsOfTheOpenSegmentAreFoundByIdAfterTheStoreOpensAgain) {
  ASSERT_TRUE(Insert(R"({"events":[{"id":"s1"},{"id":"s2"},{"id":"s3"},{"id":"s4"}]})").ok());
  ASSERT_TRUE(Insert(R"({"events":[{"id":"a","input":1,"root_span_id":"t","span_id":"a"}]})").ok());
  SqliteStoreOptions o;
  o.segment_rows = 4;
  enum Layout { kAsWritten, kIndexed, kSealedBare, kIndexedAgain, kKeysInDatabase };
  const std::string keys_file = SqliteStore::KeysFilePath(dir_.File("sluice.db"));
  for (Layout layout : {kAsWritten, kIndexed, kSealedBare, kIndexedAgain, kKeysInDatabase}) {
    SCOPED_TRACE(layout == kAsWritten      ? "as written"
                 : layout == kIndexed      ? "SQLite id and root indexes on both segments"
                 : layout == kSealedBare   ? "a sealed segment with no key tables nor indexes"
                 : layout == kIndexedAgain ? "a sealed segment with key tables and indexes"
                                           : "key tables in the database, none in the keys file");
    store_.reset();
    std::string open_table;
    {
      auto c = std::move(Connection::Open(dir_.File("sluice.db")).value());
      auto k = std::move(Connection::Open(keys_file).value());
      if (layout == kIndexed || layout == kSealedBare) {
        ASSERT_TRUE(k->Exec(DropSealedKeysDdl("events")).ok());
      }
      if (layout == kKeysInDatabase) {
        ASSERT_TRUE(c->Exec(SealedKeysDdl("events")).ok());
        ASSERT_TRUE(c->AttachReadOnly(keys_file, "keys").ok());
        ASSERT_TRUE(c->Exec("INSERT INTO main.events_ids SELECT * FROM keys.events_ids; "
                            "INSERT INTO main.events_roots SELECT * FROM keys.events_roots; "
                            "DETACH keys")
                        .ok());
        ASSERT_TRUE(k->Exec(DropSealedKeysDdl("events")).ok());
      }
      auto q = c->Prepare("SELECT tbl FROM event_segments WHERE state = 0");
      ASSERT_TRUE(q.ok() && *(*q)->Step());
      open_table = (*q)->Text(0);
      (*q)->Reset();
      if (layout == kIndexed || layout == kSealedBare) {
        // The segment the first round sealed, as an earlier version left it.
        ASSERT_NE(open_table, "events");
        ASSERT_TRUE(c->Exec(DropSealedKeysDdl("events")).ok());
      }
      if (layout == kIndexed || layout == kIndexedAgain) {
        for (const std::string& t : {open_table, std::string("events")}) {
          ASSERT_TRUE(c->Exec("CREATE INDEX " + t + "_by_id ON " + t + " (obj_key, id_hash); " +
                              "CREATE INDEX " + t + "_by_root ON " + t + " (obj_key, root_hash)")
                          .ok());
        }
      }
    }
    auto s = SqliteStore::Open(dir_.File("sluice.db"), o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    // A reader is the first to read the open segment's ids back, then the writer merges.
    model::ScanRequest first;
    first.ids = {"a"};
    EXPECT_EQ(Ids(ScanAll(first)), (std::vector<std::string>{"a"}));
    const std::string n = std::to_string(static_cast<int>(layout) + 1);
    ASSERT_TRUE(Insert(R"({"events":[{"id":"a","_is_merge":true,"output":)" + n + "}]}").ok());
    auto a = *store_->GetEvent(logs_, "a");
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->input, "1");
    EXPECT_EQ(a->output, n);
    model::ScanRequest r;
    r.ids = {"a", "s2"};
    EXPECT_EQ(Ids(ScanAll(r)), (std::vector<std::string>{"s2", "a"}));
    r = {};
    r.root_span_ids = {"t"};
    EXPECT_EQ(Ids(ScanAll(r)), (std::vector<std::string>{"a"}));
    EXPECT_EQ(ScanAll({}).size(), 5u);
    store_->WaitForKeyWork();
    auto c = std::move(Connection::Open(dir_.File("sluice.db")).value());
    ASSERT_TRUE(c->AttachReadOnly(keys_file, "keys").ok());
    for (const std::string schema : {"main", "keys"}) {
      auto q = c->Prepare(
          "SELECT coalesce(group_concat(name, ' '), '') FROM (SELECT type || ':' || name AS name "
          "FROM " +
          schema +
          ".sqlite_schema WHERE name LIKE '%_by_id' OR name LIKE '%_by_root' OR name LIKE "
          "'%_ids' OR name LIKE '%_roots' ORDER BY name)");
      ASSERT_TRUE(q.ok() && *(*q)->Step());
      const bool here = (schema == "main") == (layout == kKeysInDatabase);
      EXPECT_EQ((*q)->Text(0), here ? "table:events_ids table:events_roots" : "")
          << schema << "; open: " << open_table;
      (*q)->Reset();
    }
    auto rows = c->Prepare(
        "SELECT (SELECT count(*) FROM events_ids), (SELECT count(*) FROM "
        "events_roots), (SELECT count(*) FROM events)");
    ASSERT_TRUE(rows.ok() && *(*rows)->Step());
    EXPECT_EQ((*rows)->Int(0), (*rows)->Int(2));
    EXPECT_EQ((*rows)->Int(1), (*rows)->Int(2));
    (*rows)->Reset();
  }
}

// The rows of a store's key tables in the keys file beside it, as (ids, roots); -1 when a table
// is missing.
std::pair<int64_t, int64_t> KeyTableRows(const std::string& db, const std::string& table) {
  auto k = std::move(Connection::Open(SqliteStore::KeysFilePath(db)).value());
  std::pair<int64_t, int64_t> out{-1, -1};
  for (int64_t* n : {&out.first, &out.second}) {
    const std::string name = table + (n == &out.first ? "_ids" : "_roots");
    auto exists = k->Prepare("SELECT count(*) FROM sqlite_schema WHERE name = ?1");
    EXPECT_TRUE(exists.ok() && *(*exists)->Bind(1, name).Step());
    const bool there = (*exists)->Int(0) > 0;
    (*exists)->Reset();
    if (!there) continue;
    auto q = k->Prepare("SELECT count(*) FROM " + name);
    EXPECT_TRUE(q.ok() && *(*q)->Step());
    *n = (*q)->Int(0);
    (*q)->Reset();
  }
  return out;
}

// A seal does not write the sealed segment's key tables: the key worker writes them into the
// keys file afterwards, while inserts go on. Until then the segment's ids and roots are found
// from memory (a lookup, a merge into one of its rows, scans by id and by root); after, from the
// keys file, which lists each of the segment's rows once in each table.
TEST_F(SqliteStoreTest, ASealedSegmentIsFoundByIdAndRootBeforeAndAfterItsKeyTablesAreWritten) {
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  std::atomic<int> waiting{0};
  struct Release {
    std::function<void()> f;
    ~Release() { f(); }
  } release{[&] {
    {
      std::lock_guard<std::mutex> lock(mu);
      released = true;
    }
    cv.notify_all();
    store_.reset();
  }};
  SqliteStoreOptions o;
  o.segment_rows = 4;
  o.before_key_tables = [&](int64_t) -> Status {
    ++waiting;
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return released; });
    return Status();
  };
  store_.reset();
  store_ = std::move(SqliteStore::Open(dir_.File("sluice.db"), o).value());
  ASSERT_TRUE(Insert(R"({"events":[{"id":"a","input":1,"root_span_id":"t","span_id":"a"},)"
                     R"({"id":"b","root_span_id":"t","span_id":"b"},)"
                     R"({"id":"c","root_span_id":"t","span_id":"c"},)"
                     R"({"id":"d","root_span_id":"u","span_id":"d"}]})")
                  .ok());
  for (int i = 0; i < 10'000 && waiting == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(waiting.load(), 1) << "the seal of segment events did not reach the key worker";
  EXPECT_EQ(KeyTableRows(dir_.File("sluice.db"), "events"),
            std::make_pair(int64_t{-1}, int64_t{-1}));
  auto check = [&](const std::string& merge_into, const std::string& n) {
    ASSERT_TRUE(
        Insert(R"({"events":[{"id":")" + merge_into + R"(","_is_merge":true,"output":)" + n + "}]}")
            .ok());
    auto merged = *store_->GetEvent(logs_, merge_into);
    ASSERT_TRUE(merged.has_value());
    EXPECT_EQ(merged->output, n);
    EXPECT_EQ(merged->root_span_id, merge_into == "d" ? "u" : "t");
    EXPECT_TRUE(store_->GetEvent(logs_, "c")->has_value());
    model::ScanRequest r;
    r.ids = {"c", "d"};
    EXPECT_EQ(Ids(ScanAll(r)).size(), 2u);
    r = {};
    r.root_span_ids = {"t"};
    EXPECT_EQ(Ids(ScanAll(r)).size(), 3u);
    EXPECT_EQ(ScanAll({}).size(), 4u);  // each merge replaced its row
  };
  check("a", "2");
  {
    std::lock_guard<std::mutex> lock(mu);
    released = true;
  }
  cv.notify_all();
  store_->WaitForKeyWork();
  // "a" moved to the open segment before the tables were written: three rows stay in events.
  EXPECT_EQ(KeyTableRows(dir_.File("sluice.db"), "events"), std::make_pair(int64_t{3}, int64_t{3}));
  check("b", "3");
  check("d", "4");
}

// A key-table write that fails (a full disk, the keys file locked past the busy timeout) is
// tried again while the store runs, after a delay that doubles: the segment's tables reach the
// keys file without the store opening again, and it answers from memory meanwhile. A store
// closing with a write waiting for its next try makes that try at once and does not wait for
// the delay; when that fails too, the next open writes the tables.
TEST_F(SqliteStoreTest, AFailedKeyTableWriteIsTriedAgainWhileTheStoreRuns) {
  const std::string db = dir_.File("sluice.db");
  std::mutex mu;
  std::condition_variable tried;
  std::atomic<int> attempts{0};
  std::atomic<int> failing{2};
  SqliteStoreOptions o;
  o.segment_rows = 4;
  o.key_retry_delay = std::chrono::milliseconds(20);
  o.before_key_tables = [&](int64_t) -> Status {
    {
      std::lock_guard<std::mutex> lock(mu);
      ++attempts;
    }
    tried.notify_all();
    if (failing > 0) {
      --failing;
      return InternalError("database or disk is full");
    }
    return Status();
  };
  store_.reset();
  store_ = std::move(SqliteStore::Open(db, o).value());
  ASSERT_TRUE(Insert(R"({"events":[{"id":"a","root_span_id":"t"},{"id":"b","root_span_id":"t"},)"
                     R"({"id":"c","root_span_id":"t"},{"id":"d"}]})")
                  .ok());
  // Found whether its tables are written yet or not.
  EXPECT_TRUE(store_->GetEvent(logs_, "b")->has_value());
  store_->WaitForKeyWork();
  EXPECT_EQ(attempts.load(), 3);
  EXPECT_EQ(KeyTableRows(db, "events"), std::make_pair(int64_t{4}, int64_t{4}));
  ASSERT_TRUE(Insert(R"({"events":[{"id":"b","_is_merge":true,"output":2}]})").ok());
  EXPECT_EQ(ScanAll({}).size(), 4u);  // the merge found b in the sealed segment

  // Now every try fails, the next one an hour away when the store closes.
  store_.reset();
  std::filesystem::remove_all(dir_.File("second"));
  std::filesystem::create_directory(dir_.File("second"));
  const std::string db2 = dir_.File("second/sluice.db");
  attempts = 0;
  failing = 1'000;
  o.key_retry_delay = std::chrono::hours(1);
  store_ = std::move(SqliteStore::Open(db2, o).value());
  org_ = *store_->CreateOrg("acme");
  project_ = *store_->CreateProject({NewUuid(), org_.id, "p", "", kNow});
  logs_ = {ObjectType::kProjectLogs, project_.id};
  ASSERT_TRUE(Insert(R"({"events":[{"id":"e"},{"id":"f"},{"id":"g"},{"id":"h"}]})").ok());
  {
    std::unique_lock<std::mutex> lock(mu);
    tried.wait_for(lock, std::chrono::seconds(10), [&] { return attempts > 0; });
  }
  ASSERT_EQ(attempts.load(), 1);
  const auto closing = std::chrono::steady_clock::now();
  store_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - closing, std::chrono::minutes(1));
  EXPECT_EQ(attempts.load(), 2);  // the try the close made
  EXPECT_EQ(KeyTableRows(db2, "events"), std::make_pair(int64_t{-1}, int64_t{-1}));
  failing = 0;
  store_ = std::move(SqliteStore::Open(db2, o).value());
  EXPECT_EQ(KeyTableRows(db2, "events"), std::make_pair(int64_t{4}, int64_t{4}));
  store_.reset();  // before the hook's counters go
}

// The keys file is the database's only while it holds the database's token: one copied from
// another store is emptied when the store opens, and the key tables are written again from the
// database's rows, as they are when the keys file is gone.
TEST_F(SqliteStoreTest, AKeysFileOfAnotherDatabaseOrNoneIsWrittenAgainFromTheDatabase) {
  const std::string ours = dir_.File("sluice.db");
  const std::string theirs = dir_.File("other.db");
  SqliteStoreOptions o;
  o.segment_rows = 4;
  {
    auto other = std::move(SqliteStore::Open(theirs, o).value());
    std::vector<EventWrite> w =
        Parse(R"({"events":[{"id":"p","root_span_id":"tz"},{"id":"q","root_span_id":"tz"},)"
              R"({"id":"r","root_span_id":"tz"},{"id":"s","root_span_id":"tz"},{"id":"w"}]})");
    ASSERT_TRUE(other->InsertEvents(logs_, org_.id, project_.id, w, kNow).ok());
    other->WaitForKeyWork();
  }
  store_.reset();
  store_ = std::move(SqliteStore::Open(ours, o).value());
  ASSERT_TRUE(Insert(R"({"events":[{"id":"w","input":1,"root_span_id":"tz"},)"
                     R"({"id":"x","root_span_id":"tz"},{"id":"y"},{"id":"z"}]})")
                  .ok());
  store_->WaitForKeyWork();
  ASSERT_EQ(KeyTableRows(ours, "events"), std::make_pair(int64_t{4}, int64_t{4}));
  for (const bool copied : {true, false}) {
    SCOPED_TRACE(copied ? "the other store's keys file" : "no keys file");
    store_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(SqliteStore::KeysFilePath(ours) + suffix);
    }
    if (copied) {
      std::filesystem::copy_file(SqliteStore::KeysFilePath(theirs),
                                 SqliteStore::KeysFilePath(ours));
      // The other store sealed its five rows.
      ASSERT_EQ(KeyTableRows(ours, "events"), std::make_pair(int64_t{5}, int64_t{5}));
    }
    store_ = std::move(SqliteStore::Open(ours, o).value());
    const int64_t rows = copied ? 4 : 3;  // x moved to the open segment in the first round
    EXPECT_EQ(KeyTableRows(ours, "events"), std::make_pair(rows, rows));
    model::ScanRequest r;
    r.root_span_ids = {"tz"};
    EXPECT_EQ(Ids(ScanAll(r)), (std::vector<std::string>{"w", "x"}));
    r = {};
    r.ids = {"p", "w"};
    EXPECT_EQ(Ids(ScanAll(r)), (std::vector<std::string>{"w"}));
    ASSERT_TRUE(Insert(R"({"events":[{"id":"x","_is_merge":true,"output":2}]})").ok());
    EXPECT_EQ(ScanAll({}).size(), 4u);  // the merge found x in the sealed segment
  }
}

// A segment's key tables are trusted when the store opens only if its catalog row says they
// were written after its rows (keys_written, committed after them): after a power loss that
// took that commit and some before it, the keys file may hold tables written from rows the
// database no longer has in that state, and they are written again.
TEST_F(SqliteStoreTest, KeyTablesWithoutTheirMarkAreWrittenAgainWhenTheStoreOpens) {
  const std::string db = dir_.File("sluice.db");
  SqliteStoreOptions o;
  o.segment_rows = 4;
  store_.reset();
  store_ = std::move(SqliteStore::Open(db, o).value());
  ASSERT_TRUE(Insert(R"({"events":[{"id":"a","root_span_id":"t"},{"id":"b","root_span_id":"t"},)"
                     R"({"id":"c","root_span_id":"t"},{"id":"d"}]})")
                  .ok());
  store_->WaitForKeyWork();
  store_.reset();
  {
    // As a power loss may leave it: tables missing rows the segment holds, the mark gone.
    auto k = std::move(Connection::Open(SqliteStore::KeysFilePath(db)).value());
    ASSERT_TRUE(k->Exec("DELETE FROM events_ids; DELETE FROM events_roots").ok());
    auto c = std::move(Connection::Open(db).value());
    ASSERT_TRUE(c->Exec("UPDATE event_segments SET keys_written = 0 WHERE tbl = 'events'").ok());
  }
  store_ = std::move(SqliteStore::Open(db, o).value());
  EXPECT_EQ(KeyTableRows(db, "events"), std::make_pair(int64_t{4}, int64_t{4}));
  ASSERT_TRUE(Insert(R"({"events":[{"id":"b","_is_merge":true,"output":2}]})").ok());
  EXPECT_EQ(ScanAll({}).size(), 4u);  // the merge found b in the sealed segment
  model::ScanRequest r;
  r.root_span_ids = {"t"};
  EXPECT_EQ(ScanAll(r).size(), 3u);
}

}  // namespace
}  // namespace sluice::store::sqlite
