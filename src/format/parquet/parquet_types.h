// The subset of Parquet's file metadata (parquet-format's parquet.thrift) that sluice writes:
// schema elements with converted and logical types, column chunk metadata with statistics,
// row groups, key-value metadata, and page headers; serialized with the Thrift compact
// protocol. Enum values and field ids are those of parquet.thrift.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::format::parquet {

enum class PhysicalType : int32_t {
  kBoolean = 0,
  kInt32 = 1,  // read only, like kInt96, kFloat and kFixedLenByteArray
  kInt64 = 2,
  kInt96 = 3,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};
enum class Repetition : int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };
// The writer uses kUtf8, kList, kTimestampMicros and kJson; the reader recognizes all of them.
enum class ConvertedType : int32_t {
  kUtf8 = 0,
  kMap = 1,
  kMapKeyValue = 2,
  kList = 3,
  kEnum = 4,
  kDecimal = 5,
  kDate = 6,
  kTimeMillis = 7,
  kTimeMicros = 8,
  kTimestampMillis = 9,
  kTimestampMicros = 10,
  kUint8 = 11,
  kUint16 = 12,
  kUint32 = 13,
  kUint64 = 14,
  kInt8 = 15,
  kInt16 = 16,
  kInt32 = 17,
  kInt64 = 18,
  kJson = 19,
  kBson = 20,
  kInterval = 21,
};
// The LogicalType union members sluice uses; timestamps are always MICROS, adjusted to UTC.
enum class LogicalType { kNone, kString, kList, kTimestampMicrosUtc, kJson };
enum class Encoding : int32_t {
  kPlain = 0,
  kPlainDictionary = 2,  // read only: the old name of dictionary indices (and PLAIN entries)
  kRle = 3,
  kBitPacked = 4,          // deprecated level encoding; recognized to name it in errors
  kDeltaBinaryPacked = 5,  // read only, like the two below and kByteStreamSplit
  kDeltaLengthByteArray = 6,
  kDeltaByteArray = 7,
  kRleDictionary = 8,
  kByteStreamSplit = 9,
};
enum class Codec : int32_t { kUncompressed = 0, kSnappy = 1, kGzip = 2, kZstd = 6 };
enum class PageType : int32_t {
  kDataPage = 0,
  kIndexPage = 1,  // read only, like kDataPageV2
  kDictionaryPage = 2,
  kDataPageV2 = 3,
};

struct SchemaElement {
  std::optional<PhysicalType> type;      // leaves only
  std::optional<Repetition> repetition;  // absent for the root
  std::string name;
  std::optional<int32_t> num_children;  // groups only
  std::optional<ConvertedType> converted_type;
  LogicalType logical_type = LogicalType::kNone;
};

// min/max are PLAIN-encoded values ordered by the column's type-defined order.
struct Statistics {
  std::optional<std::string> min_value;
  std::optional<std::string> max_value;
  int64_t null_count = 0;
};

struct ColumnMetaData {
  PhysicalType type = PhysicalType::kByteArray;
  std::vector<Encoding> encodings;
  std::vector<std::string> path_in_schema;
  Codec codec = Codec::kUncompressed;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;  // pages with their headers
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
  Statistics statistics;
};

struct ColumnChunk {
  int64_t file_offset = 0;  // where the chunk's first page starts
  ColumnMetaData meta_data;
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t total_byte_size = 0;  // uncompressed
  int64_t num_rows = 0;
  int64_t file_offset = 0;
  int64_t total_compressed_size = 0;
  int16_t ordinal = 0;
};

struct KeyValue {
  std::string key;
  std::string value;
};

struct FileMetaData {
  int32_t version = 1;
  std::vector<SchemaElement> schema;  // depth-first, root first
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::vector<KeyValue> key_value_metadata;
  std::string created_by;
  // Leaf columns, each written with the type-defined column order.
  int32_t num_leaf_columns = 0;
};

struct PageHeader {
  PageType type = PageType::kDataPage;
  int32_t uncompressed_page_size = 0;
  int32_t compressed_page_size = 0;
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;  // of the values (data) or entries (dictionary)
};

// Appends the Thrift compact serialization.
void SerializeFileMetaData(const FileMetaData& meta, std::string* out);
void SerializePageHeader(const PageHeader& header, std::string* out);

}  // namespace sluice::format::parquet
