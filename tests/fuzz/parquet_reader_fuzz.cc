// libFuzzer entry point for the Parquet reader: arbitrary bytes read as a Parquet file, row by
// row, every column. Beyond crashes and sanitizer reports (and the RSS limit: the reader must not
// allocate from sizes it read) it checks that a failure is an error naming the file. The first
// byte chooses how the rest is used, so the fuzzer reaches page decoding without having to find
// a valid footer first:
//   0: the bytes are the file;
//   1: the bytes are a footer, framed by "PAR1", its length and "PAR1";
//   2: a small valid file (all value types, two row groups, dictionaries, ZSTD) with the bytes
//      written over it at an offset taken from the first two of them;
//   3: as 2, uncompressed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "format/output_sink.h"
#include "format/parquet/parquet_reader.h"
#include "format/parquet/parquet_writer.h"
#include "format/readable_file.h"

namespace {

using sluice::format::Value;
using sluice::format::ValueType;

constexpr int64_t kMaxRows = 20'000;  // a hostile footer may claim trillions of rows

std::string ValidFile(sluice::format::Compression compression) {
  using sluice::format::Column;
  sluice::format::Schema schema{{
      {"s", ValueType::kString, true},
      {"i", ValueType::kInt64, false},
      {"d", ValueType::kDouble, true},
      {"b", ValueType::kBool, true},
      {"t", ValueType::kTimestamp, true},
      {"j", ValueType::kJson, true},
      {"l", ValueType::kStringList, true},
  }};
  std::vector<sluice::format::Row> rows;
  for (int r = 0; r < 40; ++r) {
    rows.push_back({r % 3 ? Value::String("v" + std::to_string(r % 4)) : Value::Null(),
                    Value::Int64(r * 1000003), Value::Double(r / 3.0), Value::Bool(r % 2),
                    Value::Timestamp(1'700'000'000'000'000 + r), Value::Json("{\"a\":1}"),
                    r % 4 ? Value::StringList({"x", std::to_string(r)}) : Value::Null()});
  }
  sluice::format::MemorySink sink;
  sluice::format::ParquetWriterOptions options;
  options.compression = compression;
  options.row_group_max_rows = 25;
  options.compression_threads = 0;
  sluice::format::ParquetWriter writer(options, sink);
  if (!writer.Begin(schema).ok() || !writer.WriteRows(rows).ok() || !writer.Finish().ok()) {
    std::abort();
  }
  return sink.data();
}

std::string Build(const uint8_t* data, size_t size) {
  static const std::string kZstd = ValidFile(sluice::format::Compression::kZstd);
  static const std::string kPlain = ValidFile(sluice::format::Compression::kNone);
  if (size == 0) return "";
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: return std::string(rest);
    case 1: {
      std::string file = "PAR1" + std::string(rest);
      const auto n = static_cast<uint32_t>(rest.size());
      for (int b = 0; b < 4; ++b) file.push_back(static_cast<char>(n >> (8 * b)));
      return file + "PAR1";
    }
    default: {
      std::string file = data[0] % 4 == 2 ? kZstd : kPlain;
      if (rest.size() < 2) return file;
      const size_t at =
          (static_cast<uint8_t>(rest[0]) | static_cast<uint8_t>(rest[1]) << 8) % file.size();
      const std::string_view patch = rest.substr(2, file.size() - at);
      file.replace(at, patch.size(), patch);
      return file;
    }
  }
}

void Require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes = Build(data, size);
  auto file = sluice::format::ParquetFileReader::Open(sluice::format::NewBorrowedMemoryFile(bytes),
                                                      "fuzz.parquet");
  if (!file.ok()) {
    Require(file.status().message().rfind("fuzz.parquet: ", 0) == 0);
    return 0;
  }
  auto rows = (*file)->ReadRows();
  if (!rows.ok()) return 0;
  sluice::format::Row row;
  for (int64_t n = 0; n < kMaxRows; ++n) {
    auto next = (*rows)->Next(&row);
    if (!next.ok()) {
      Require(next.status().message().rfind("fuzz.parquet: column '", 0) == 0);
      break;
    }
    if (!*next) break;
    Require(row.size() == (*rows)->schema().columns.size());
    for (size_t k = 0; k < row.size(); ++k) {
      Require(row[k].is_null() || row[k].type == (*rows)->schema().columns[k].type);
    }
  }
  return 0;
}
