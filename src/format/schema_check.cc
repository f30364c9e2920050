#include "format/schema_check.h"

#include <set>
#include <string>

#include "format/schemas.h"

namespace sluice::format {

Status ValidateSchema(const Schema& schema) {
  if (schema.columns.empty()) return InvalidArgumentError("schema has no columns");
  std::set<std::string> names;
  for (const Column& c : schema.columns) {
    if (c.name.empty()) return InvalidArgumentError("schema has a column without a name");
    if (c.type == ValueType::kNull) {
      return InvalidArgumentError("column " + c.name + " has type null");
    }
    if (!names.insert(c.name).second) {
      return InvalidArgumentError("duplicate column name " + c.name);
    }
  }
  return Status::Ok();
}

Status CheckRow(const Schema& schema, const Row& row, int64_t row_index) {
  if (row.size() != schema.columns.size()) {
    return InvalidArgumentError("row " + std::to_string(row_index) + " has " +
                                std::to_string(row.size()) + " values, the schema " +
                                std::to_string(schema.columns.size()) + " columns");
  }
  for (size_t k = 0; k < row.size(); ++k) {
    const Column& c = schema.columns[k];
    const Value& v = row[k];
    if (v.type == c.type) continue;
    if (v.is_null()) {
      if (c.nullable) continue;
      return InvalidArgumentError("row " + std::to_string(row_index) + ": column " + c.name +
                                  " is not nullable");
    }
    bool fits =
        c.type == ValueType::kJson || (c.type == ValueType::kDouble && v.type == ValueType::kInt64);
    if (!fits) {
      return InvalidArgumentError("row " + std::to_string(row_index) + ": column " + c.name +
                                  " of type " + std::string(ValueTypeName(c.type)) + " got a " +
                                  std::string(ValueTypeName(v.type)));
    }
  }
  return Status::Ok();
}

const Value& ColumnValue(const Value& v, ValueType type, Value& scratch) {
  if (v.type == type || v.is_null()) return v;
  CoerceValue(v, type, &scratch);
  return scratch;
}

XactRange::XactRange(const Schema& schema) : column_(schema.Find(kXactIdColumn)) {
  if (column_ >= 0 && schema.columns[column_].type != ValueType::kInt64) column_ = -1;
}

void XactRange::Add(const Row& row, WriteStats& stats) const {
  if (column_ < 0) return;
  const Value& v = row[column_];
  if (v.type != ValueType::kInt64) return;
  if (!stats.min_xact_id || v.i < *stats.min_xact_id) stats.min_xact_id = v.i;
  if (!stats.max_xact_id || v.i > *stats.max_xact_id) stats.max_xact_id = v.i;
}

}  // namespace sluice::format
