// Parquet file reader (Apache Parquet format spec): the footer, then rows as sluice's own
// values, row group by row group and page by page from a ReadableFile, so memory is bounded by
// one page per column and the footer, not by the file. What is read and how each Parquet type
// maps to a ValueType is in docs/formats.md ("Reading Parquet files").
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "format/parquet/column_chunk_reader.h"
#include "format/parquet/metadata_reader.h"
#include "format/parquet/reader_schema.h"
#include "format/readable_file.h"
#include "format/row.h"

namespace sluice::format {

class ParquetRowReader;

struct RowReadOptions {
  // Columns to read, by name, in the order rows hold them; empty: every column of schema().
  std::vector<std::string> columns;
  // Row groups [first_row_group, first_row_group + row_group_count); -1: to the last one.
  int first_row_group = 0;
  int row_group_count = -1;
};

// A Parquet file's metadata and the way to its rows. Errors name the file (`name` given to
// Open), and where they can the column, row group, row and file offset, and what is wrong:
// kDataLoss for a file that is not valid Parquet (truncated, corrupt, inconsistent), never a
// crash, and no allocation beyond small multiples of the file's own sizes and kMaxPageBytes;
// kUnimplemented for valid Parquet that sluice does not read (encryption, LZ4, BROTLI and
// LZO codecs, BIT_PACKED levels); kInvalidArgument for values sluice's types cannot hold.
// Thread-compatible: use one ParquetRowReader per thread.
class ParquetFileReader {
  struct Passkey {
    explicit Passkey() = default;
  };

 public:
  // Use Open.
  ParquetFileReader(Passkey, std::unique_ptr<ReadableFile> file, std::string name)
      : file_(std::move(file)), name_(std::move(name)) {}

  // Reads and checks the footer and the schema; the pages are read by ReadRows' reader.
  static Result<std::unique_ptr<ParquetFileReader>> Open(std::unique_ptr<ReadableFile> file,
                                                         std::string name);

  // The columns sluice can read, in file order: one per top-level field; lists of strings are
  // kStringList, lists of anything else kJson (a JSON array).
  const Schema& schema() const { return schema_; }
  // The top-level fields it cannot read (structs, maps, nested lists, TIME, …), with why.
  const std::vector<parquet::UnsupportedColumn>& unsupported_columns() const {
    return file_schema_.unsupported;
  }
  int64_t num_rows() const { return footer_.num_rows; }
  int num_row_groups() const { return static_cast<int>(footer_.row_groups.size()); }
  int64_t row_group_rows(int g) const { return footer_.row_groups[g].num_rows; }
  const std::vector<parquet::KeyValue>& key_value_metadata() const {
    return footer_.key_value_metadata;
  }
  const std::string& created_by() const { return footer_.created_by; }
  const std::string& name() const { return name_; }

  // A reader of the rows of `options.columns` (borrows this file reader, which must outlive
  // it). kInvalidArgument for a name that is not in schema() (or is unsupported, with the
  // reason) or row groups out of range.
  Result<std::unique_ptr<ParquetRowReader>> ReadRows(const RowReadOptions& options = {});

 private:
  friend class ParquetRowReader;
  Status Load();
  Status CheckRowGroups() const;

  std::unique_ptr<ReadableFile> file_;
  std::string name_;
  parquet::Footer footer_;  // schema elements dropped once resolved
  parquet::FileSchema file_schema_;
  Schema schema_;
  int64_t data_end_ = 0;  // where the footer starts
};

// Rows of some columns of a file, in file order. Not thread-safe.
class ParquetRowReader {
  struct Passkey {
    explicit Passkey() = default;
  };

 public:
  // Use ParquetFileReader::ReadRows.
  ParquetRowReader(Passkey, ParquetFileReader& file) : file_(file) {}
  ~ParquetRowReader();

  // The columns each row holds, in order.
  const Schema& schema() const { return schema_; }
  // Reads the next row into `*row` (resized to the schema's width; its values' storage is
  // reused). false after the last row. After an error every call returns it again.
  Result<bool> Next(Row* row);
  // Rows returned so far.
  int64_t rows_read() const { return rows_read_; }

 private:
  friend class ParquetFileReader;
  Status StartRowGroup(int g);
  Status FinishRowGroup();
  Status ReadCell(size_t k, Value* out);
  Status ReadList(size_t k, Value* out);
  Status AddElement(size_t k, uint32_t def, const parquet::PhysicalValue& v, size_t* n, Value* out);
  // `s` with the file, column k, row group and (in_row) the row within it.
  Status Fail(size_t k, const Status& s, bool in_row);

  ParquetFileReader& file_;
  Schema schema_;
  std::vector<const parquet::ColumnPlan*> plans_;
  std::vector<std::unique_ptr<parquet::ColumnChunkReader>> columns_;
  parquet::PageDecompressor decompressor_;
  Value element_;   // scratch for list elements
  int group_ = -1;  // the row group being read, -1 between groups
  int next_group_ = 0;
  int end_group_ = 0;
  int64_t group_left_ = 0;  // rows of the current group not read yet
  int64_t group_row_ = 0;   // index within the group of the row being read
  int64_t rows_read_ = 0;
  Status status_;
};

// Every row of the Parquet file `file_bytes` as one JSON object: the columns of schema() in
// order, keyed by name, each value as the JSON Lines writer writes it (AppendValueJson), so a
// row reads back as it would from a JSON Lines export of the same rows. For callers that take
// a whole file at once; ParquetRowReader streams. Errors as ParquetFileReader's, naming `name`.
Result<std::vector<std::string>> ReadParquetRowsAsJson(std::string_view file_bytes,
                                                       const std::string& name);

}  // namespace sluice::format
