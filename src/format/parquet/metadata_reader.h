// Reading Parquet's metadata (parquet-format's parquet.thrift, Thrift compact protocol): the
// file footer (FileMetaData: schema, row groups, column chunks, key-value metadata) and page
// headers. Only what a reader needs is kept; statistics, page indexes, bloom filters and sort
// orders are skipped. Every count is checked against the bytes it came from, so a hostile footer
// cannot make the parser allocate more than a small multiple of its own size.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/parquet/parquet_types.h"

namespace sluice::format::parquet {

// Footers with more schema elements or key-value pairs than this are refused.
inline constexpr int32_t kMaxSchemaElements = 100'000;
inline constexpr int32_t kMaxKeyValuePairs = 100'000;

enum class TimeUnit { kMillis, kMicros, kNanos };

// SchemaElement.logicalType (a union); kNone when absent, kOther for members sluice ignores.
struct LogicalAnnotation {
  enum class Kind {
    kNone,
    kString,
    kMap,
    kList,
    kEnum,
    kDecimal,
    kDate,
    kTime,
    kTimestamp,
    kInteger,
    kJson,
    kBson,
    kUuid,
    kFloat16,
    kUnknown,
    kOther,
  };
  Kind kind = Kind::kNone;
  TimeUnit unit = TimeUnit::kMicros;  // kTime, kTimestamp
  bool adjusted_to_utc = false;       // kTime, kTimestamp
  int bit_width = 0;                  // kInteger: 8, 16, 32 or 64
  bool is_signed = true;              // kInteger
  int32_t scale = 0;                  // kDecimal
  int32_t precision = 0;              // kDecimal
};

struct FooterSchemaElement {
  std::optional<PhysicalType> type;  // leaves only
  int32_t type_length = 0;           // FIXED_LEN_BYTE_ARRAY
  std::optional<Repetition> repetition;
  std::string name;
  int32_t num_children = 0;  // groups only
  std::optional<ConvertedType> converted_type;
  int32_t scale = 0;  // DECIMAL (converted type)
  LogicalAnnotation logical;
};

struct FooterColumnChunk {
  PhysicalType type = PhysicalType::kByteArray;
  Codec codec = Codec::kUncompressed;
  int64_t num_values = 0;  // level entries: values, nulls and empty lists
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
};

struct FooterRowGroup {
  std::vector<FooterColumnChunk> columns;  // one per leaf, in schema order
  int64_t num_rows = 0;
};

struct Footer {
  int32_t version = 0;
  std::vector<FooterSchemaElement> schema;  // depth-first, root first
  int64_t num_rows = 0;
  std::vector<FooterRowGroup> row_groups;
  std::vector<KeyValue> key_value_metadata;
  std::string created_by;
};

// Parses a serialized FileMetaData. kDataLoss naming the byte offset within `bytes` and what is
// wrong (truncated, wrong field type, missing required field, a count beyond the limits);
// kUnimplemented for column chunks stored in other files or encrypted.
Result<Footer> ParseFooter(std::string_view bytes);

struct PageHeaderInfo {
  PageType type = PageType::kDataPage;
  int32_t uncompressed_page_size = 0;
  int32_t compressed_page_size = 0;
  int32_t num_values = 0;  // data pages: level entries; dictionary pages: entries
  Encoding encoding = Encoding::kPlain;
  Encoding definition_level_encoding = Encoding::kRle;  // data page v1
  Encoding repetition_level_encoding = Encoding::kRle;  // data page v1
  // Data page v2: levels are stored uncompressed before the values, with these lengths.
  int32_t definition_levels_byte_length = 0;
  int32_t repetition_levels_byte_length = 0;
  bool is_compressed = true;  // v2: whether the values section is compressed
};

// Parses one serialized PageHeader from the start of `bytes` and sets `header_size` to its
// length. kDataLoss as ParseFooter; `*truncated` (when not null) says whether the error was
// running out of bytes, so that a caller reading in windows can retry with more.
Result<PageHeaderInfo> ParsePageHeader(std::string_view bytes, size_t* header_size,
                                       bool* truncated = nullptr);

}  // namespace sluice::format::parquet
