// Chooses a RowWriter by file format and names its files (DESIGN.md §5, docs/formats.md).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "format/compression.h"
#include "format/output_sink.h"
#include "format/row_writer.h"

namespace sluice::format {

enum class FileFormat { kJsonl, kParquet };

// "jsonl", "parquet"; ParseFileFormat is its inverse (kInvalidArgument otherwise).
std::string_view FileFormatName(FileFormat f);
Result<FileFormat> ParseFileFormat(std::string_view name);

class ParquetCarryOver;

struct WriterOptions {
  FileFormat format = FileFormat::kParquet;
  // Parquet: zstd (default), snappy, gzip or none. JSON Lines: none (default), gzip or zstd.
  Compression compression = Compression::kZstd;
  int compression_level = 0;  // 0: the codec's default
  // Parquet: what the file before left for this one (parquet_writer.h); borrowed, may be null.
  ParquetCarryOver* parquet_carry = nullptr;
};

// The default compression of a format: zstd for Parquet, none for JSON Lines.
Compression DefaultCompression(FileFormat f);

// A writer on `sink` (borrowed; must outlive it). kInvalidArgument for snappy JSON Lines.
Result<std::unique_ptr<RowWriter>> NewRowWriter(const WriterOptions& options, OutputSink& sink);

// ".parquet", ".jsonl", ".jsonl.gz", ".jsonl.zst".
std::string FileExtension(FileFormat format, Compression compression);

}  // namespace sluice::format
