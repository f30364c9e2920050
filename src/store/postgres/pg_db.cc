#include "store/postgres/pg_db.h"

#include <algorithm>
#include <cstdlib>

namespace sluice::store::postgres {

Status PgError(PGconn* conn, const PGresult* res, std::string_view context) {
  std::string message = res ? PQresultErrorMessage(res) : (conn ? PQerrorMessage(conn) : "");
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  message = std::string(context) + ": " + message;
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    return UnavailableError(std::move(message));
  }
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const std::string_view code = state ? state : "";
  if (code == "23505") return AlreadyExistsError(std::move(message));
  if (code == "40001" || code == "40P01") return AbortedError(std::move(message));
  if (code.substr(0, 2) == "08" || code.substr(0, 3) == "57P" || code.substr(0, 2) == "53") {
    return UnavailableError(std::move(message));
  }
  return InternalError(std::move(message));
}

std::string TextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char ch : values[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

std::string IntArray(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + std::to_string(values[i]);
  return out + "}";
}

int64_t Rows::Int(int row, int col) const {
  return std::strtoll(PQgetvalue(res_.get(), row, col), nullptr, 10);
}

namespace {

uint64_t BigEndian(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

}  // namespace

int64_t Rows::BinaryInt64(int row, int col) const {
  if (PQgetlength(res_.get(), row, col) != 8) return 0;
  return static_cast<int64_t>(BigEndian(PQgetvalue(res_.get(), row, col), 8));
}

int32_t Rows::BinaryInt32(int row, int col) const {
  if (PQgetlength(res_.get(), row, col) != 4) return 0;
  return static_cast<int32_t>(BigEndian(PQgetvalue(res_.get(), row, col), 4));
}

bool Rows::BinaryBool(int row, int col) const {
  return PQgetlength(res_.get(), row, col) == 1 && PQgetvalue(res_.get(), row, col)[0] != 0;
}

int64_t Rows::Affected() const { return std::strtoll(PQcmdTuples(res_.get()), nullptr, 10); }

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return UnavailableError("connecting to PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    Status st = PgError(conn, nullptr, "connecting to PostgreSQL");
    PQfinish(conn);
    return st;
  }
  auto c = std::unique_ptr<Connection>(new Connection(conn));
  // Quiet notices (e.g. "relation already exists, skipping") and a UTC session.
  SLUICE_RETURN_IF_ERROR(c->Exec("SET client_min_messages = warning; SET TIME ZONE 'UTC'"));
  return c;
}

Connection::~Connection() { PQfinish(conn_); }

Result<Rows> Connection::Check(PGresult* res, const std::string& sql) {
  const ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Rows(res);
  Status err = PgError(conn_, res, sql.substr(0, 80));
  if (res) PQclear(res);
  return err;
}

Status Connection::Exec(std::string_view sql) {
  const std::string text(sql);
  SLUICE_ASSIGN_OR_RETURN(Rows r, Check(PQexec(conn_, text.c_str()), text));
  (void)r;
  return Status();
}

namespace {

std::vector<const char*> Pointers(const Params& params) {
  std::vector<const char*> out;
  out.reserve(params.size());
  for (const auto& v : params.values()) out.push_back(v ? v->c_str() : nullptr);
  return out;
}

}  // namespace

Result<Rows> Connection::Query(const std::string& sql, const Params& params) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    const std::string name = "s" + std::to_string(prepared_.size());
    SLUICE_ASSIGN_OR_RETURN(Rows r, Check(PQprepare(conn_, name.c_str(), sql.c_str(),
                                                    static_cast<int>(params.size()), nullptr),
                                          sql));
    (void)r;
    it = prepared_.emplace(sql, name).first;
  }
  const std::vector<const char*> values = Pointers(params);
  return Check(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                              values.data(), nullptr, nullptr, 0),
               sql);
}

Result<Rows> Connection::QueryOnceBinary(const std::string& sql, const Params& params) {
  SLUICE_RETURN_IF_ERROR(Send(sql, params, /*binary_results=*/true));
  return Receive();
}

Result<Rows> Connection::QueryOnce(const std::string& sql, const Params& params) {
  const std::vector<const char*> values = Pointers(params);
  return Check(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0),
               sql);
}

Status Connection::Send(const std::string& sql, const Params& params, bool binary_results) {
  const std::vector<const char*> values = Pointers(params);
  sent_ = sql.substr(0, 80);
  if (PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                        nullptr, nullptr, binary_results ? 1 : 0) != 1) {
    return PgError(conn_, nullptr, sent_);
  }
  return Status();
}

Result<Rows> Connection::Receive(const std::string& context) {
  PGresult* first = PQgetResult(conn_);
  // Drain to the end of this statement, so the connection is free for the next one.
  while (PGresult* more = PQgetResult(conn_)) PQclear(more);
  return Check(first, context);
}

Transaction::~Transaction() {
  if (open_) c_.Exec("ROLLBACK").IgnoreError();
}

Status Transaction::Begin() {
  SLUICE_RETURN_IF_ERROR(c_.Exec("BEGIN"));
  open_ = true;
  return Status();
}

Status Transaction::Commit() {
  open_ = false;
  return c_.Exec("COMMIT");
}

ConnectionPool::ConnectionPool(std::string conninfo, int max_idle)
    : IdlePool<Connection>(
          static_cast<size_t>(std::max(max_idle, 0)),
          [conninfo = std::move(conninfo)] { return Connection::Open(conninfo); },
          // A lease dropped inside a failed transaction must not hand that state to the next
          // user.
          [](Connection& c) {
            return c.Healthy() && PQtransactionStatus(c.raw()) == PQTRANS_IDLE;
          }) {}

}  // namespace sluice::store::postgres
