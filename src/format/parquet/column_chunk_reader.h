// Reads one leaf column of a Parquet file, column chunk by column chunk, page by page (Parquet
// format spec: column chunks of an optional dictionary page then data pages v1 or v2; levels
// RLE/bit-packed hybrid; values as page_values.h decodes them). Memory is one page and the
// chunk's dictionary, whatever the size of the row group.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "format/parquet/metadata_reader.h"
#include "format/parquet/page_decompressor.h"
#include "format/parquet/page_values.h"
#include "format/parquet/reader_schema.h"
#include "format/parquet/rle_decoder.h"
#include "format/readable_file.h"

namespace sluice::format::parquet {

// Pages declaring more bytes than this (compressed or not) are refused as corrupt.
inline constexpr int32_t kMaxPageBytes = 256 << 20;
// A page header longer than this is refused (page statistics can make them long).
inline constexpr size_t kMaxPageHeaderBytes = 16 << 20;

// Walks the level entries (Dremel: one per value, null or empty list) of one column chunk at a
// time. The next entry's levels can be looked at before it is taken, so callers see where a
// list ends. Not thread-safe; `file`, `plan` and `decompressor` are borrowed and must outlive it.
class ColumnChunkReader {
 public:
  ColumnChunkReader(ReadableFile& file, const ColumnPlan& plan, PageDecompressor& decompressor)
      : file_(file), plan_(plan), decompressor_(decompressor) {}

  // Starts the column's chunk of a row group; the chunk must lie in [4, data_end). kDataLoss
  // when it does not.
  Status Start(const FooterColumnChunk& chunk, int64_t data_end);
  // Whether the chunk has another entry.
  bool has_next() const { return values_left_ > 0; }
  // The next entry's repetition level, reading the next page if needed. Errors as Take's.
  // REQUIRES: has_next().
  Status PeekRep(uint32_t* rep);
  // Consumes the next entry: its definition level, and its value when that level is max_def
  // (a view valid until the next call on this reader). kDataLoss naming the file offset of the
  // page and what is wrong; kUnimplemented for encodings and codecs sluice does not read.
  // REQUIRES: has_next().
  Status Take(uint32_t* def, PhysicalValue* value);

 private:
  Result<std::string_view> Bytes(int64_t offset, size_t length, size_t read_ahead);
  Status NextPage();
  Status ReadHeader(PageHeaderInfo* h);
  Status LoadDictionary(const PageHeaderInfo& h, std::string_view body);
  Status LoadDataPage(const PageHeaderInfo& h, std::string_view body);
  Status LevelsV1(Encoding encoding, int max_level, std::string_view* rest, RleHybridDecoder* d);
  // The page body itself (UNCOMPRESSED) or its decompression into page_.
  Status Decompressed(std::string_view body, size_t size, std::string_view* out);
  Status NextLevels();
  Status Fail(const Status& s) const;

  ReadableFile& file_;
  const ColumnPlan& plan_;
  PageDecompressor& decompressor_;
  Codec codec_ = Codec::kUncompressed;
  int64_t pos_ = 0;  // file offset of the next page
  int64_t end_ = 0;  // end of the chunk
  int64_t page_offset_ = 0;
  std::string window_;  // bytes read from the file, starting at window_offset_
  std::string_view window_view_;
  int64_t window_offset_ = 0;
  std::string page_;  // the current page after decompression
  Dictionary dictionary_;
  bool data_seen_ = false;   // a data page was read (a dictionary may no longer come)
  int64_t values_left_ = 0;  // entries of the chunk not taken yet
  int64_t page_left_ = 0;    // entries of the current page whose levels are not decoded yet
  RleHybridDecoder rep_levels_;
  RleHybridDecoder def_levels_;
  ValueDecoder values_;
  bool levels_ready_ = false;  // def_ and rep_ hold the next entry's levels
  uint32_t def_ = 0;
  uint32_t rep_ = 0;
};

}  // namespace sluice::format::parquet
