// From a stored Parquet value to sluice's value types, by what its schema says the value means
// (reader_schema.h's LeafConversion; LogicalTypes.md for timestamps, dates, decimals, UUIDs and
// INT96 timestamps).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "format/parquet/page_values.h"
#include "format/parquet/reader_schema.h"
#include "format/row.h"

namespace sluice::format::parquet {

// Sets `*out` (only its type and the member of that type, reusing its storage) to `v` read as
// `conversion` says, as a value of `type` (kString or kJson for bytes). kInvalidArgument for a
// value sluice cannot hold: a timestamp or date beyond int64 microseconds, an unsigned 64-bit
// integer above 2^63 - 1.
Status ConvertValue(const LeafConversion& conversion, ValueType type, const PhysicalValue& v,
                    Value* out);

// Appends 16 bytes as a lowercase 8-4-4-4-12 UUID. REQUIRES: bytes.size() == 16.
void AppendUuid(std::string_view bytes, std::string* out);

}  // namespace sluice::format::parquet
