// Thin RAII layer over the SQLite C API: a connection with a prepared-statement cache and a
// statement wrapper. SqliteError() is the one adapter from SQLite result codes to Status.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sluice::store::sqlite {

// The 64-bit key of a text id in the hashed event indexes (id, root_span_id): a fixed,
// well-mixed hash of the bytes, stable across versions and platforms because it is stored.
// Also callable from SQL as sluice_key_hash(text) on every Connection (used by migrations).
// Distinct texts may share a key: lookups compare the text as well.
int64_t TextKeyHash(std::string_view text);

// The splitmix64 finaliser: spreads the bits of x over the whole word (used by TextKeyHash, so
// it must not change).
inline uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

// Maps a SQLite result code to a Status (BUSY/LOCKED -> kUnavailable, CONSTRAINT ->
// kAlreadyExists, FULL -> kResourceExhausted, CORRUPT/NOTADB -> kDataLoss, else kInternal).
Status SqliteError(int rc, sqlite3* db, std::string_view context);

// A prepared statement owned by its Connection's cache. Not thread-safe. Reset on Bind after use.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Resets the statement and clears bindings; call before binding a new execution.
  Statement& Reset();
  // Parameters are 1-based.
  Statement& Bind(int i, int64_t v);
  Statement& Bind(int i, std::string_view v);
  Statement& BindNull(int i);
  // Binds v, or NULL when v is empty.
  Statement& BindOrNull(int i, std::string_view v);
  // As Bind/BindOrNull without copying v. REQUIRES: v stays valid until the next Reset.
  Statement& BindBorrowed(int i, std::string_view v);
  Statement& BindBorrowedOrNull(int i, std::string_view v);

  // Steps once: true when a row is available, false when done.
  Result<bool> Step();
  // Steps to completion, ignoring rows.
  Status Run();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  // Text of a column ("" for NULL).
  std::string Text(int col) const;
  std::string_view TextView(int col) const;
  sqlite3_stmt* raw() const { return stmt_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class BackgroundCheckpointer;

// One SQLite connection. Not thread-safe: callers serialise access (see SqliteStore).
class Connection {
 public:
  // Opens (creating) the database at path, setting the file's own settings (page size,
  // incremental auto-vacuum, WAL) and this connection's (foreign keys, synchronous, caches, a
  // busy timeout). Setting auto-vacuum writes the file's header, so it takes the write lock: the
  // store's writer opens this way, before any other connection.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path);
  // Another connection to a database Open has set up: this connection's settings only, so that
  // opening it does not wait for the writer's transactions to end.
  static Result<std::unique_ptr<Connection>> OpenAnother(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without results.
  Status Exec(std::string_view sql);
  // A cached prepared statement for sql, reset and ready to bind. The cache keeps the
  // statement_cache_capacity() most recently prepared texts: the pointer stays valid until that
  // many other distinct texts have been prepared on this connection.
  Result<Statement*> Prepare(std::string_view sql);
  // Bounds the statement cache (at least 1); evicts the least recently used beyond it.
  void set_statement_cache_capacity(size_t capacity);
  size_t statement_cache_capacity() const { return capacity_; }
  // Statements currently cached.
  size_t cached_statements() const { return index_.size(); }
  int64_t Changes() const { return sqlite3_changes64(db_); }
  // Moves WAL checkpoints off this connection's commits: after a commit leaves at least
  // wal_pages pages in the WAL, a thread with its own connection to path runs a PASSIVE
  // checkpoint. When the WAL passes 8 x wal_pages (the checkpoints cannot keep up), the commit
  // itself runs a RESTART checkpoint, so the WAL stays bounded. Stopped by the destructor.
  Status CheckpointInBackground(const std::string& path, int wal_pages);
  // For a writer that produces many WAL pages and can wait (a purge with no inserts arriving
  // checkpoints; with inserts arriving it waits instead): true when the WAL held 2 x wal_pages
  // or more after the last commit (false without CheckpointInBackground).
  bool WalLong() const;
  // Copies the WAL into the database: the bulk on the background connection from the calling
  // thread, then, holding `writer_lock` (what serialises this connection's use), what commits
  // added meanwhile on this connection, so the next write starts the WAL from its beginning.
  // REQUIRES: the caller does not hold writer_lock.
  void CheckpointNow(std::mutex& writer_lock);
  // Attaches the database at `path` read-only, as `schema`: unqualified names look in main
  // first, then in it. Read-only, so this connection's BEGIN IMMEDIATE takes no write lock on it
  // (it takes one on every writable database attached); `path` must already be a database in WAL
  // mode.
  Status AttachReadOnly(const std::string& path, std::string_view schema);

  sqlite3* raw() { return db_; }

 private:
  // Opens the file with a busy timeout and sluice's SQL functions, and no settings.
  static Result<std::unique_ptr<Connection>> OpenBare(const std::string& path);
  explicit Connection(sqlite3* db);
  struct CachedStatement {
    std::string sql;
    std::unique_ptr<Statement> stmt;
  };
  void EvictBeyondCapacity();

  sqlite3* db_;
  std::unique_ptr<BackgroundCheckpointer> checkpointer_;
  size_t capacity_ = 64;
  // Most recently used first. List nodes never move, so index_ keys view their sql.
  std::list<CachedStatement> lru_;
  std::map<std::string_view, std::list<CachedStatement>::iterator> index_;
};

// BEGIN IMMEDIATE … COMMIT, rolled back on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& c) : c_(c) {}
  ~Transaction();
  Status Begin();
  Status Commit();

 private:
  Connection& c_;
  bool open_ = false;
};

// A read transaction: the statements run in its scope read one snapshot of the database, taken
// by the first of them that reads (BEGIN DEFERRED). Ended (rolled back) by the destructor.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Connection& c) : c_(c) {}
  ~ReadSnapshot();
  Status Begin();
  void End();

 private:
  Connection& c_;
  bool open_ = false;
};

}  // namespace sluice::store::sqlite
