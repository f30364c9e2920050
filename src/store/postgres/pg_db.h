// Thin RAII layer over libpq: a connection with a prepared-statement cache, query results, a
// connection pool and a transaction guard (binary COPY FROM STDIN: pg_copy_writer.h). PgError()
// is the one adapter from libpq errors and SQLSTATE codes to Status. Parameters use libpq's text
// format; results are text unless a caller asks for binary ones (Connection::Send).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/idle_pool.h"
#include "common/status.h"

namespace sluice::store::postgres {

// Maps a failed result (or, when res is null, the connection's state) to a Status: unique
// violation 23505 -> kAlreadyExists, serialization failure 40001 and deadlock 40P01 ->
// kAborted, connection classes 08/57P/53 and a broken connection -> kUnavailable, else
// kInternal.
Status PgError(PGconn* conn, const PGresult* res, std::string_view context);

// PostgreSQL array literals for a text[] or bigint[] parameter: {"a","b"} (quotes and
// backslashes escaped), {1,2}.
std::string TextArray(const std::vector<std::string>& values);
std::string IntArray(const std::vector<int64_t>& values);

// Positional query parameters ($1, $2, …) in text format; nullopt is SQL NULL.
class Params {
 public:
  Params& Add(std::string_view v) {
    values_.emplace_back(std::string(v));
    return *this;
  }
  Params& Add(const char* v) { return Add(std::string_view(v)); }
  Params& Add(int64_t v) {
    values_.emplace_back(std::to_string(v));
    return *this;
  }
  Params& Add(uint64_t v) {
    values_.emplace_back(std::to_string(v));
    return *this;
  }
  Params& Add(int v) { return Add(static_cast<int64_t>(v)); }
  Params& AddNull() {
    values_.emplace_back(std::nullopt);
    return *this;
  }
  // v, or NULL when v is empty.
  Params& AddOrNull(std::string_view v) { return v.empty() ? AddNull() : Add(v); }
  size_t size() const { return values_.size(); }
  const std::vector<std::optional<std::string>>& values() const { return values_; }

 private:
  std::vector<std::optional<std::string>> values_;
};

// A query result. Owns its PGresult. Columns are read by index; Text() of NULL is "".
class Rows {
 public:
  explicit Rows(PGresult* res) : res_(res, &PQclear) {}
  int size() const { return PQntuples(res_.get()); }
  bool IsNull(int row, int col) const { return PQgetisnull(res_.get(), row, col) != 0; }
  std::string Text(int row, int col) const {
    return std::string(PQgetvalue(res_.get(), row, col),
                       static_cast<size_t>(PQgetlength(res_.get(), row, col)));
  }
  std::string_view View(int row, int col) const {
    return std::string_view(PQgetvalue(res_.get(), row, col),
                            static_cast<size_t>(PQgetlength(res_.get(), row, col)));
  }
  int64_t Int(int row, int col) const;
  bool Bool(int row, int col) const { return View(row, col) == "t"; }
  // Columns of a result in binary format (Connection::Send with binary_results): bigint,
  // integer and boolean values as PostgreSQL sends them (big-endian); 0 or false for NULL.
  int64_t BinaryInt64(int row, int col) const;
  int32_t BinaryInt32(int row, int col) const;
  bool BinaryBool(int row, int col) const;
  // Rows affected by an INSERT/UPDATE/DELETE, or stored by a COPY.
  int64_t Affected() const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> res_;
};

// One PostgreSQL connection. Not thread-safe: one user at a time (see ConnectionPool).
class Connection {
 public:
  // Connects with a libpq connection string or URI. kUnavailable when the server is unreachable.
  static Result<std::unique_ptr<Connection>> Open(const std::string& conninfo);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without parameters (simple query protocol).
  Status Exec(std::string_view sql);
  // Runs sql with parameters as a prepared statement, prepared once per connection and cached
  // by its text.
  Result<Rows> Query(const std::string& sql, const Params& params = Params());
  // As Query, without preparing (for statements whose text varies per call).
  Result<Rows> QueryOnce(const std::string& sql, const Params& params = Params());
  // As QueryOnce, the result in binary format (Rows::Binary*).
  Result<Rows> QueryOnceBinary(const std::string& sql, const Params& params = Params());
  // Sends sql with parameters without waiting for its result (not prepared), so the caller can
  // work while the server runs it; results come in binary format when binary_results. The
  // connection runs nothing else until Receive() has returned that result.
  Status Send(const std::string& sql, const Params& params, bool binary_results);
  // Waits for the result of the statement last sent.
  Result<Rows> Receive() { return Receive(sent_); }
  // The same, naming `context` in its error: the result of whatever the connection ran last
  // (a COPY's end too), read to its end so that the connection is free for the next statement.
  Result<Rows> Receive(const std::string& context);
  // Whether the connection is still usable.
  bool Healthy() const { return PQstatus(conn_) == CONNECTION_OK; }
  PGconn* raw() { return conn_; }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  Result<Rows> Check(PGresult* res, const std::string& sql);
  PGconn* conn_;
  std::map<std::string, std::string, std::less<>> prepared_;  // sql -> statement name
  std::string sent_;  // the start of the statement Send sent, for its errors
};

// BEGIN … COMMIT on a connection, rolled back on destruction unless committed.
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

// Keeps idle connections to one database: a lease gives its connection back unless it is broken
// or was left inside a transaction. Thread-safe.
class ConnectionPool : public IdlePool<Connection> {
 public:
  ConnectionPool(std::string conninfo, int max_idle);
};

}  // namespace sluice::store::postgres
