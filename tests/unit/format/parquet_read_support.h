// Helpers of the Parquet reader tests: files written by sluice's writer in memory, random rows
// for any schema, reading a whole file back, and comparing values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "format/parquet/parquet_reader.h"
#include "format/parquet/parquet_writer.h"
#include "format/row.h"

namespace sluice::format::testing {

// Random rows of `schema`: nulls in nullable columns about one value in five, strings of
// 0-40 bytes from a small vocabulary (so dictionaries pay), lists of 0-4 strings.
std::vector<Row> RandomRows(const Schema& schema, int n, uint32_t seed);

// The bytes of a Parquet file of `rows` written by ParquetWriter with `options`.
std::string WriteParquetBytes(const Schema& schema, const std::vector<Row>& rows,
                              ParquetWriterOptions options);

struct ReadBack {
  Schema schema;
  std::vector<Row> rows;
};

// Opens `bytes` and reads every row of every readable column.
Result<ReadBack> ReadParquetBytes(const std::string& bytes, const RowReadOptions& options = {});

// Equal type and the member of that type (doubles bit for bit, NaN equal to NaN).
bool SameValue(const Value& a, const Value& b);
std::string Show(const Value& v);

}  // namespace sluice::format::testing
