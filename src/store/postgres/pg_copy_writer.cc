#include "store/postgres/pg_copy_writer.h"

#include <type_traits>

namespace sluice::store::postgres {

namespace {

constexpr size_t kCopyChunkBytes = 1 << 20;
// The binary copy header: signature, flags, header extension length.
constexpr char kCopyHeader[] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
constexpr size_t kCopyHeaderBytes = 19;

template <typename T>
void AppendBigEndian(std::string& out, T v) {
  using U = std::make_unsigned_t<T>;
  char bytes[sizeof(T)];
  U u = static_cast<U>(v);
  for (size_t i = sizeof(T); i-- > 0;) {
    bytes[i] = static_cast<char>(u & 0xff);
    u >>= 8;
  }
  out.append(bytes, sizeof(T));
}

}  // namespace

Result<std::unique_ptr<BinaryCopyWriter>> BinaryCopyWriter::Start(Connection& c,
                                                                  const std::string& target) {
  const std::string sql = "COPY " + target + " FROM STDIN (FORMAT binary)";
  PGresult* res = PQexec(c.raw(), sql.c_str());
  if (res == nullptr || PQresultStatus(res) != PGRES_COPY_IN) {
    Status st = PgError(c.raw(), res, sql.substr(0, 80));
    if (res) PQclear(res);
    return st;
  }
  PQclear(res);
  auto w = std::unique_ptr<BinaryCopyWriter>(new BinaryCopyWriter(c));
  w->buffer_.reserve(kCopyChunkBytes + (kCopyChunkBytes >> 2));
  w->buffer_.append(kCopyHeader, kCopyHeaderBytes);
  return w;
}

BinaryCopyWriter::~BinaryCopyWriter() {
  if (!open_) return;
  // Abandoned: the server fails the copy, and with it the transaction.
  if (PQputCopyEnd(c_.raw(), "copy abandoned by the client") == 1) {
    c_.Receive("COPY").status().IgnoreError();
  }
}

void BinaryCopyWriter::AddLength(int32_t n) { AppendBigEndian(buffer_, n); }

Status BinaryCopyWriter::BeginRow(int16_t fields) {
  if (buffer_.size() >= kCopyChunkBytes) SLUICE_RETURN_IF_ERROR(Send());
  AppendBigEndian(buffer_, fields);
  return Status();
}

void BinaryCopyWriter::AddInt32(int32_t v) {
  AddLength(4);
  AppendBigEndian(buffer_, v);
}

void BinaryCopyWriter::AddInt64(int64_t v) {
  AddLength(8);
  AppendBigEndian(buffer_, v);
}

void BinaryCopyWriter::AddBool(bool v) {
  AddLength(1);
  buffer_.push_back(v ? 1 : 0);
}

void BinaryCopyWriter::AddText(std::string_view v) {
  AddLength(static_cast<int32_t>(v.size()));
  buffer_.append(v);
}

void BinaryCopyWriter::AddNull() { AddLength(-1); }

Status BinaryCopyWriter::Send() {
  if (buffer_.empty()) return Status();
  if (PQputCopyData(c_.raw(), buffer_.data(), static_cast<int>(buffer_.size())) != 1) {
    return PgError(c_.raw(), nullptr, "COPY");
  }
  buffer_.clear();
  return Status();
}

Result<int64_t> BinaryCopyWriter::Finish() {
  AppendBigEndian(buffer_, int16_t{-1});  // the trailer
  SLUICE_RETURN_IF_ERROR(Send());
  open_ = false;
  if (PQputCopyEnd(c_.raw(), nullptr) != 1) return PgError(c_.raw(), nullptr, "COPY");
  SLUICE_ASSIGN_OR_RETURN(Rows r, c_.Receive("COPY"));
  return r.Affected();
}

}  // namespace sluice::store::postgres
