// Parquet column writers, one per value type, following the structure of the Parquet spec's
// column chunk: data pages v1 (repetition levels, definition levels, values), an optional
// dictionary page first, each page compressed on its own. The base class owns levels, pages
// and chunk metadata; subclasses buffer and encode values (PLAIN or RLE_DICTIONARY).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "format/compression.h"
#include "format/output_sink.h"
#include "format/parquet/page_compressor.h"
#include "format/parquet/parquet_types.h"
#include "format/row.h"

namespace sluice::format::parquet {

struct ColumnWriterOptions {
  Compression compression = Compression::kZstd;
  int compression_level = 0;  // 0: the codec's default
  // A data page is cut once its encoded values reach this size.
  size_t page_bytes = 1 << 20;
  // String columns start with a dictionary and fall back to PLAIN for the rest of the column
  // chunk once the dictionary's PLAIN size passes this; 0 disables dictionaries.
  size_t dictionary_max_bytes = 1 << 20;
  // Where pages are encoded and compressed; borrowed, must outlive the column writer. Null:
  // the column writer makes its own.
  struct PageWorkspace* workspace = nullptr;
};

// What the column writers of one file share: data pages go through one PageCompressor (on
// `threads` background threads; 0: inline), dictionary pages through `compressor`, one at a
// time.
struct PageWorkspace {
  PageWorkspace(Compression compression, int level, int threads = 0)
      : compressor(compression, level), pages(compression, level, threads) {}

  BlockCompressor compressor;
  std::string compressed;  // a dictionary page after compression
  PageCompressor pages;
};

// Statistics strings longer than this are left out rather than truncated.
inline constexpr size_t kMaxStatisticsBytes = 256;

// Writes one leaf column of a file, one column chunk per row group. Not thread-safe.
class ColumnWriter {
 public:
  ColumnWriter(Column column, PhysicalType type, const ColumnWriterOptions& options);
  // Waits for the pages still being compressed.
  virtual ~ColumnWriter();

  // Appends this column's schema elements (a 3-level LIST group for string lists).
  void AppendSchema(std::vector<SchemaElement>* schema) const;
  // Adds the column's value of one row. REQUIRES: v is null (if nullable) or of the column's
  // type.
  Status Write(const Value& v);
  // Size of the current chunk's data so far: encoded page bodies before compression.
  size_t buffered_bytes() const;
  // Writes the current column chunk at file offset `offset`, fills `chunk` and starts a new
  // chunk.
  Status FlushChunk(OutputSink& sink, int64_t offset, ColumnChunk* chunk);

 protected:
  struct DictionaryPage {
    std::string plain_values;
    int32_t count = 0;
  };

  // A non-null value (scalar columns) or one list element (list columns, as a string).
  virtual void AddValue(const Value& v) = 0;
  virtual void AddElement(const std::string& s) = 0;
  // Encoded size of the values buffered for the current page.
  virtual size_t PageValueBytes() const = 0;
  // True when the current page must end after this row (dictionary fallback).
  virtual bool WantsPageBreak() const { return false; }
  // Appends the current page's values, clears them and returns their encoding.
  virtual Encoding EncodePage(std::string* out) = 0;
  // The chunk's dictionary, if its pages use one; called once per chunk.
  virtual std::optional<DictionaryPage> TakeDictionary() { return std::nullopt; }
  // Min/max of the chunk (PLAIN-encoded), then forgets them for the next chunk.
  virtual void TakeMinMax(Statistics* stats) = 0;

  const Column& column() const { return column_; }

 private:
  // A data page handed to the compressor, written out by FlushChunk in order.
  struct PendingPage {
    PageHeader header;
    int64_t body_bytes = 0;
    std::unique_ptr<PageJob> job;
  };

  Status FlushPage();
  Status WritePendingPages(OutputSink& sink);
  void AppendLevels(const std::vector<uint32_t>& levels, int max_level, std::string* out) const;
  Status AppendPage(PageHeader header, std::string_view body, std::string* out);
  void AddLevels(uint32_t def, uint32_t rep);

  Column column_;
  PhysicalType type_;
  ColumnWriterOptions options_;
  std::unique_ptr<PageWorkspace> own_workspace_;
  PageWorkspace* workspace_;
  int max_def_;
  int max_rep_;
  std::vector<uint32_t> def_;
  std::vector<uint32_t> rep_;
  int32_t page_values_ = 0;
  std::vector<PendingPage> pending_;  // the chunk's data pages, in order
  int64_t submitted_bytes_ = 0;       // their bodies' size before compression
  int64_t chunk_values_ = 0;
  int64_t chunk_nulls_ = 0;
  int64_t uncompressed_bytes_ = 0;
  int64_t compressed_bytes_ = 0;
  std::set<Encoding> encodings_;
};

// The writer for `column`'s type.
std::unique_ptr<ColumnWriter> NewColumnWriter(const Column& column,
                                              const ColumnWriterOptions& options);

// The Parquet codec id of a compression.
Codec CodecOf(Compression c);

}  // namespace sluice::format::parquet
