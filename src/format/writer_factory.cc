#include "format/writer_factory.h"

#include "format/jsonl/jsonl_writer.h"
#include "format/parquet/parquet_writer.h"

namespace sluice::format {

std::string_view FileFormatName(FileFormat f) {
  return f == FileFormat::kJsonl ? "jsonl" : "parquet";
}

Result<FileFormat> ParseFileFormat(std::string_view name) {
  if (name == "jsonl") return FileFormat::kJsonl;
  if (name == "parquet") return FileFormat::kParquet;
  return InvalidArgumentError("unknown format \"" + std::string(name) +
                              "\" (expected jsonl or parquet)");
}

Compression DefaultCompression(FileFormat f) {
  return f == FileFormat::kParquet ? Compression::kZstd : Compression::kNone;
}

Result<std::unique_ptr<RowWriter>> NewRowWriter(const WriterOptions& options, OutputSink& sink) {
  if (options.format == FileFormat::kParquet) {
    ParquetWriterOptions p;
    p.compression = options.compression;
    p.compression_level = options.compression_level;
    return std::unique_ptr<RowWriter>(
        std::make_unique<ParquetWriter>(std::move(p), sink, options.parquet_carry));
  }
  if (options.compression == Compression::kSnappy) {
    return InvalidArgumentError("JSON Lines files can be compressed with gzip or zstd, not snappy");
  }
  JsonlWriterOptions j;
  j.compression = options.compression;
  j.compression_level = options.compression_level;
  return std::unique_ptr<RowWriter>(std::make_unique<JsonlWriter>(j, sink));
}

std::string FileExtension(FileFormat format, Compression compression) {
  if (format == FileFormat::kParquet) return ".parquet";
  switch (compression) {
    case Compression::kGzip: return ".jsonl.gz";
    case Compression::kZstd: return ".jsonl.zst";
    default: return ".jsonl";
  }
}

}  // namespace sluice::format
