// BinaryCopyWriter: rows sent to PostgreSQL with COPY FROM STDIN in its binary copy format
// (PostgreSQL documentation, "COPY", section "Binary Format").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "store/postgres/pg_db.h"

namespace sluice::store::postgres {

// Rows sent with `COPY <table> (<columns>) FROM STDIN (FORMAT binary)` (PostgreSQL's binary copy
// format: big-endian lengths and values, text as its bytes): each row is BeginRow(n) and n
// fields, sent to the server in chunks of about 1 MiB while later rows are encoded. Finish()
// ends the copy and returns its result; a writer destroyed unfinished aborts the copy, so the
// transaction it ran in fails. Not thread-safe; the connection is busy until Finish or
// destruction.
class BinaryCopyWriter {
 public:
  // Starts `COPY <target> FROM STDIN (FORMAT binary)`; target is "table (col, …)".
  static Result<std::unique_ptr<BinaryCopyWriter>> Start(Connection& c, const std::string& target);
  ~BinaryCopyWriter();
  BinaryCopyWriter(const BinaryCopyWriter&) = delete;
  BinaryCopyWriter& operator=(const BinaryCopyWriter&) = delete;

  // Starts a row of `fields` fields; sends what is buffered once it passes the chunk size.
  Status BeginRow(int16_t fields);
  void AddInt32(int32_t v);
  void AddInt64(int64_t v);
  void AddBool(bool v);
  void AddText(std::string_view v);
  void AddNull();
  // v, or NULL when v is empty.
  void AddTextOrNull(std::string_view v) { v.empty() ? AddNull() : AddText(v); }
  // Ends the copy: the rows copied, or the server's error (a unique violation is
  // kAlreadyExists, as for any statement).
  Result<int64_t> Finish();

 private:
  explicit BinaryCopyWriter(Connection& c) : c_(c) {}
  void AddLength(int32_t n);
  Status Send();
  Connection& c_;
  std::string buffer_;
  bool open_ = true;
};

}  // namespace sluice::store::postgres
