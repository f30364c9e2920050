#include "parquet_read_support.h"

#include <cstring>
#include <random>
#include <span>

#include "format/output_sink.h"
#include "format/parquet/parquet_reader.h"
#include "format/readable_file.h"

namespace sluice::format::testing {
namespace {

std::string RandomText(std::mt19937& rng) {
  static const char* kWords[] = {"alpha", "beta", "gamma", "delta", "ünï", "😀", "x", ""};
  std::string s;
  for (uint32_t k = 0, n = rng() % 6; k < n; ++k) s += kWords[rng() % 8];
  return s;
}

Value RandomValue(ValueType type, std::mt19937& rng) {
  switch (type) {
    case ValueType::kBool: return Value::Bool(rng() % 2 == 0);
    case ValueType::kInt64:
      return Value::Int64(static_cast<int64_t>(rng()) * (rng() % 2 ? -1 : 1) << (rng() % 31));
    case ValueType::kDouble: return Value::Double(static_cast<double>(rng()) / 977.0 - 1e6);
    case ValueType::kString: return Value::String(RandomText(rng));
    case ValueType::kTimestamp:
      return Value::Timestamp(1'700'000'000'000'000 + static_cast<int64_t>(rng()) * 1013);
    case ValueType::kJson: return Value::Json("{\"k\":\"" + RandomText(rng) + "\"}");
    case ValueType::kStringList: {
      std::vector<std::string> list;
      for (uint32_t k = 0, n = rng() % 5; k < n; ++k) list.push_back(RandomText(rng));
      return Value::StringList(std::move(list));
    }
    case ValueType::kNull: break;
  }
  return Value::Null();
}

}  // namespace

std::vector<Row> RandomRows(const Schema& schema, int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Row> rows;
  for (int r = 0; r < n; ++r) {
    Row row;
    for (const Column& c : schema.columns) {
      row.push_back(c.nullable && rng() % 5 == 0 ? Value::Null() : RandomValue(c.type, rng));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string WriteParquetBytes(const Schema& schema, const std::vector<Row>& rows,
                              ParquetWriterOptions options) {
  MemorySink sink;
  ParquetWriter writer(std::move(options), sink);
  Status s = writer.Begin(schema);
  for (size_t k = 0; s.ok() && k < rows.size(); k += 100) {
    s = writer.WriteRows(
        std::span<const Row>(rows).subspan(k, std::min<size_t>(100, rows.size() - k)));
  }
  if (s.ok()) s = writer.Finish();
  if (!s.ok()) return "write failed: " + s.ToString();
  return sink.data();
}

Result<ReadBack> ReadParquetBytes(const std::string& bytes, const RowReadOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(auto file,
                          ParquetFileReader::Open(NewBorrowedMemoryFile(bytes), "mem.parquet"));
  SLUICE_ASSIGN_OR_RETURN(auto rows, file->ReadRows(options));
  ReadBack out;
  out.schema = rows->schema();
  Row row;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(bool more, rows->Next(&row));
    if (!more) break;
    out.rows.push_back(row);
  }
  return out;
}

bool SameValue(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case ValueType::kNull: return true;
    case ValueType::kBool: return a.b == b.b;
    case ValueType::kInt64:
    case ValueType::kTimestamp: return a.i == b.i;
    case ValueType::kDouble: return std::memcmp(&a.d, &b.d, sizeof(double)) == 0;
    case ValueType::kString:
    case ValueType::kJson: return a.s == b.s;
    case ValueType::kStringList: return a.list == b.list;
  }
  return false;
}

std::string Show(const Value& v) {
  std::string out = std::string(ValueTypeName(v.type)) + " ";
  AppendValueJson(v, out);
  return out;
}

}  // namespace sluice::format::testing
