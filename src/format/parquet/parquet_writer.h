// Parquet file writer (Apache Parquet format spec): "PAR1", row groups of column chunks cut by
// size, then the Thrift compact FileMetaData footer, its length and "PAR1". Memory is bounded
// by one row group (its compressed pages). Types and encodings are listed in docs/formats.md.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "format/counting_sink.h"
#include "format/parquet/column_writer.h"
#include "format/row_writer.h"
#include "format/schema_check.h"

namespace sluice::format {

inline constexpr char kParquetCreatedBy[] = "sluice version 0.1.0";
// Page compression threads per file by default: on two cores, with the store's reader and the
// encoder busy too, two keep both cores working (docs/benchmarks.md, "Exports nearer the read
// bound").
inline constexpr int kDefaultParquetCompressionThreads = 2;

struct ParquetWriterOptions {
  // Codec of every page; default ZSTD.
  Compression compression = Compression::kZstd;
  int compression_level = 0;  // 0: the codec's default
  // A row group is closed once its columns' data (encoded, before compression) reach this.
  // The writer holds a row group's compressed pages until it is closed: at 64 MiB an export's
  // peak RSS was about 20 MiB lower than at 128 MiB, for files 0.2% larger (docs/benchmarks.md,
  // "Exports nearer the read bound").
  size_t row_group_bytes = 64u << 20;
  // And once it holds this many rows; 0 means no limit.
  int64_t row_group_max_rows = 0;
  // Data page size, before compression.
  size_t page_bytes = 1 << 20;
  // Dictionary size per column chunk before string columns fall back to PLAIN; 0: never.
  size_t dictionary_max_bytes = 1 << 20;
  // Threads that compress data pages while the next ones are encoded; 0 compresses them on
  // the writing thread. The file's bytes are the same whatever the number.
  int compression_threads = kDefaultParquetCompressionThreads;
  // Written as the file's key-value metadata, in order.
  std::vector<std::pair<std::string, std::string>> key_value_metadata;
};

// What a Parquet writer leaves for the next file of the same run once it finished its own: its
// column writers, with their buffers, and its page workspace, with its compression threads and
// page buffers. Built again for every file, that memory was given back to the system between
// files and faulted in again page by page (docs/benchmarks.md). A writer of another schema or
// other options builds its own. Not thread-safe: one file at a time.
class ParquetCarryOver {
 public:
  ParquetCarryOver();
  ~ParquetCarryOver();
  ParquetCarryOver(const ParquetCarryOver&) = delete;
  ParquetCarryOver& operator=(const ParquetCarryOver&) = delete;
  // True until a writer finished a file on it.
  bool empty() const { return workspace == nullptr; }

 private:
  friend class ParquetWriter;
  ParquetWriterOptions options;  // what the workspace and the columns were made for
  Schema schema;
  std::unique_ptr<parquet::PageWorkspace> workspace;
  std::vector<std::unique_ptr<parquet::ColumnWriter>> columns;  // reference `workspace`
};

// Not thread-safe. `sink` must outlive the writer; Finish() closes it. With `carry` (borrowed,
// may be null), the writer starts from what the writer before it left there, and leaves its
// own there once Finish succeeded.
class ParquetWriter : public RowWriter {
 public:
  ParquetWriter(ParquetWriterOptions options, OutputSink& sink, ParquetCarryOver* carry = nullptr);

  Status Begin(const Schema& schema) override;
  Status WriteRows(std::span<const Row> rows) override;
  Status Finish() override;
  const WriteStats& stats() const override { return stats_; }

 private:
  Status FlushRowGroup();

  ParquetWriterOptions options_;
  CountingSink sink_;
  ParquetCarryOver* carry_;
  std::unique_ptr<parquet::PageWorkspace> workspace_;  // shared by the columns
  Schema schema_;
  std::vector<std::unique_ptr<parquet::ColumnWriter>> columns_;
  Schema carried_schema_;  // what columns_ taken from the carry-over were made for
  std::unique_ptr<XactRange> xact_;
  parquet::FileMetaData meta_;
  int64_t group_rows_ = 0;
  WriteStats stats_;
};

}  // namespace sluice::format
