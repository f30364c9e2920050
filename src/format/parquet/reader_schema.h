// How a Parquet file's schema (parquet-format's flat, depth-first SchemaElement list, with the
// LogicalTypes.md annotations and its backward-compatibility rules for LIST) becomes sluice
// columns: one column per top-level field, of a format::ValueType, with the definition and
// repetition levels (Dremel encoding) its leaf column carries. Fields sluice has no value for
// (structs, maps, nested lists, TIME, INTERVAL, …) are listed as unsupported, with the reason.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "format/parquet/metadata_reader.h"
#include "format/row.h"

namespace sluice::format::parquet {

// Schemas nested deeper than this are refused.
inline constexpr int kMaxSchemaDepth = 64;

// What a stored value means, and so how it becomes a format::Value.
struct LeafConversion {
  enum class Kind {
    kBool,       // BOOLEAN -> kBool
    kInt,        // INT32, INT64 (signed) -> kInt64
    kUInt32,     // INT32 holding an unsigned value -> kInt64
    kUInt64,     // INT64 holding an unsigned value -> kInt64 (above 2^63 - 1 is an error)
    kFloat,      // FLOAT, DOUBLE -> kDouble
    kDecimal,    // INT32 or INT64 DECIMAL(scale) -> kDouble
    kTimestamp,  // INT64 TIMESTAMP(unit) -> kTimestamp (microseconds)
    kDate,       // INT32 DATE (days) -> kTimestamp at midnight UTC
    kInt96,      // INT96 legacy timestamp (nanoseconds of the day, Julian day) -> kTimestamp
    kBytes,      // BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY: the bytes as they are -> kString or kJson
    kUuid,       // FIXED_LEN_BYTE_ARRAY(16) UUID -> kString, 8-4-4-4-12 lowercase hex
  };
  Kind kind = Kind::kBytes;
  TimeUnit unit = TimeUnit::kMicros;  // kTimestamp
  int32_t scale = 0;                  // kDecimal
};

// One readable top-level field.
struct ColumnPlan {
  Column column;  // name, value type, nullable
  int leaf = 0;   // index of its leaf column (the column chunk within each row group)
  PhysicalType physical = PhysicalType::kByteArray;
  int32_t type_length = 0;
  LeafConversion conversion;
  ValueType element_type = ValueType::kString;  // lists: each element's type
  int max_def = 0;
  int max_rep = 0;  // 1 for lists, else 0
  // Lists: a definition level below list_def is a null list, equal to it an empty list, above
  // it an element (a null element below max_def).
  int list_def = 0;
};

struct UnsupportedColumn {
  std::string name;
  std::string reason;  // "struct column", "TIME values", …
};

struct FileSchema {
  std::vector<ColumnPlan> columns;  // in file order
  std::vector<UnsupportedColumn> unsupported;
  std::vector<PhysicalType> leaf_types;  // every leaf column, in column chunk order
};

// Builds the columns of `elements` (a footer's schema, root first). kDataLoss when the list is
// not a well-formed tree (child counts beyond the list, a leaf without a type, nesting deeper
// than kMaxSchemaDepth).
Result<FileSchema> ResolveSchema(const std::vector<FooterSchemaElement>& elements);

}  // namespace sluice::format::parquet
