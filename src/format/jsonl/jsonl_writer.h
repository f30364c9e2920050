// JSON Lines writer (https://jsonlines.org): one compact UTF-8 JSON object per row and line,
// keys in schema order (nulls written as null), optionally compressed as one gzip member or
// one zstd frame while streaming.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "format/compression.h"
#include "format/counting_sink.h"
#include "format/row_writer.h"
#include "format/schema_check.h"

namespace sluice::format {

struct JsonlWriterOptions {
  // kNone, kGzip or kZstd.
  Compression compression = Compression::kNone;
  // Codec level; 0 is the codec's default.
  int compression_level = 0;
  // Text buffered before it is handed to the compressor or sink.
  size_t buffer_bytes = 1 << 20;
};

// Not thread-safe. `sink` must outlive the writer; Finish() closes it.
class JsonlWriter : public RowWriter {
 public:
  JsonlWriter(JsonlWriterOptions options, OutputSink& sink);

  Status Begin(const Schema& schema) override;
  Status WriteRows(std::span<const Row> rows) override;
  // Spans straight from the events, without building rows: the same bytes as WriteRows of
  // EventToRow(event).
  Status WriteEvents(std::span<const model::Event> events) override;
  Status Finish() override;
  const WriteStats& stats() const override { return stats_; }

 private:
  Status Flush();
  // Appends one span as a line of SpanSchema().
  void AppendEventLine(const model::Event& e);

  JsonlWriterOptions options_;
  CountingSink counter_;
  std::unique_ptr<OutputSink> out_;  // compressing stream over counter_
  Schema schema_;
  bool spans_ = false;                     // schema_ is SpanSchema()
  std::vector<std::string> key_prefixes_;  // `{"name":` or `,"name":` per column
  std::unique_ptr<XactRange> xact_;
  std::string buffer_;
  WriteStats stats_;
};

}  // namespace sluice::format
