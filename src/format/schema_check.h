// Helpers the writers share: schema validation, per-row checks and the running WriteStats.
#pragma once

#include "common/status.h"
#include "format/row.h"
#include "format/row_writer.h"

namespace sluice::format {

// kInvalidArgument unless the schema has columns with unique non-empty names and no kNull type.
Status ValidateSchema(const Schema& schema);

// kInvalidArgument unless `row` has one value per column, no null in a non-nullable column and
// every value is of its column's type or converts to it (CoerceValue). Writers convert such
// values with ColumnValue.
Status CheckRow(const Schema& schema, const Row& row, int64_t row_index);

// The value to write for column `type`: `v` itself when its type matches or it is null,
// otherwise its conversion stored in `scratch`. REQUIRES: CheckRow accepted the row.
const Value& ColumnValue(const Value& v, ValueType type, Value& scratch);

// Tracks the `_xact_id` range (an int64 column of that name) for WriteStats. Thread-compatible.
class XactRange {
 public:
  explicit XactRange(const Schema& schema);
  void Add(const Row& row, WriteStats& stats) const;

 private:
  int column_;
};

}  // namespace sluice::format
