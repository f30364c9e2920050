// Thin RAII layer over the SQLite C API: a connection with a prepared-statement cache and a
// statement wrapper. SqliteError() is the one adapter from SQLite result codes to Status.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sluice::store::sqlite {

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

  // Steps once: true when a row is available, false when done.
  Result<bool> Step();
  // Steps to completion, ignoring rows.
  Status Run();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  // Text of a column ("" for NULL).
  std::string Text(int col) const;
  std::string_view TextView(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// One SQLite connection. Not thread-safe: callers serialise access (see SqliteStore).
class Connection {
 public:
  // Opens (creating) the database at path with WAL, foreign keys and a busy timeout.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without results.
  Status Exec(std::string_view sql);
  // A cached prepared statement for sql, reset and ready to bind.
  Result<Statement*> Prepare(const std::string& sql);
  int64_t Changes() const { return sqlite3_changes64(db_); }
  sqlite3* raw() { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::map<std::string, std::unique_ptr<Statement>> cache_;
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

}  // namespace sluice::store::sqlite
