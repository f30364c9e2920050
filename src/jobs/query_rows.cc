#include "jobs/query_rows.h"

#include <algorithm>
#include <cstdlib>

#include "common/time_util.h"
#include "format/schemas.h"

namespace sluice::jobs {
namespace {

using format::Value;
using format::ValueType;

// Rows handed to the writer per call.
constexpr size_t kWriteBatch = 1024;

bool ConvertsToXactId(const Value& v) {
  if (v.type != ValueType::kString || v.s.empty()) return false;
  char* end = nullptr;
  (void)std::strtoll(v.s.c_str(), &end, 10);
  return *end == '\0';
}

bool ConvertsToTimestamp(const Value& v) {
  return v.type == ValueType::kString && ParseRfc3339(v.s).ok();
}

}  // namespace

int QueryFileRows::ColumnOf(std::string_view name, size_t position) {
  // Rows of one query mostly repeat the same keys in the same order.
  if (position < columns_.size() && columns_[position].name == name) {
    return static_cast<int>(position);
  }
  for (size_t c = 0; c < columns_.size(); ++c) {
    if (columns_[c].name == name) return static_cast<int>(c);
  }
  Column& c = columns_.emplace_back();
  c.name = std::string(name);
  if (name == "_xact_id") c.known = Known::kXactId;
  if (name == "created") c.known = Known::kCreated;
  return static_cast<int>(columns_.size() - 1);
}

Status QueryFileRows::OnRow(std::span<const query::RowCell> row) {
  cells_.clear();
  for (size_t k = 0; k < row.size(); ++k) {
    const int column = ColumnOf(row[k].name, k);
    Value v = row[k].value;
    auto same = std::find_if(cells_.begin(), cells_.end(),
                             [column](const SpooledCell& cell) { return cell.first == column; });
    if (same != cells_.end()) {
      same->second = std::move(v);
    } else {
      cells_.emplace_back(column, std::move(v));
    }
  }
  for (const auto& [column, v] : cells_) {
    if (v.is_null()) continue;
    Column& c = columns_[column];
    c.any = true;
    c.type = format::MergeColumnType(c.type, v.type);
    if (c.known == Known::kXactId) c.converts = c.converts && ConvertsToXactId(v);
    if (c.known == Known::kCreated) c.converts = c.converts && ConvertsToTimestamp(v);
  }
  if (spool_ == nullptr) {
    SLUICE_ASSIGN_OR_RETURN(spool_, RowSpool::Create(spool_dir_));
  }
  return spool_->Append(cells_);
}

format::Schema QueryFileRows::Schema() const {
  format::Schema schema;
  if (columns_.empty()) {
    schema.columns.push_back(format::Column{"_xact_id", ValueType::kString, true});
    return schema;
  }
  for (const Column& c : columns_) {
    ValueType type = c.type == ValueType::kNull ? ValueType::kString : c.type;
    if (Typed(c)) type = c.known == Known::kXactId ? ValueType::kInt64 : ValueType::kTimestamp;
    schema.columns.push_back(format::Column{c.name, type, true});
  }
  return schema;
}

Status QueryFileRows::WriteTo(format::RowWriter& writer) {
  SLUICE_RETURN_IF_ERROR(writer.Begin(Schema()));
  if (spool_ == nullptr) return Status();
  SLUICE_RETURN_IF_ERROR(spool_->Rewind());
  std::vector<format::Row> batch;
  batch.reserve(kWriteBatch);
  std::vector<SpooledCell> cells;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(bool more, spool_->Next(&cells));
    if (more) {
      format::Row& row = batch.emplace_back(columns_.size());
      for (auto& [column, v] : cells) {
        const Column& c = columns_[column];
        if (!Typed(c) || v.is_null()) {
          row[column] = std::move(v);
        } else if (c.known == Known::kXactId) {
          row[column] = Value::Int64(std::strtoll(v.s.c_str(), nullptr, 10));
        } else {
          row[column] = Value::Timestamp(*ParseRfc3339(v.s));
        }
      }
    }
    if (batch.size() == kWriteBatch || (!more && !batch.empty())) {
      SLUICE_RETURN_IF_ERROR(writer.WriteRows(batch));
      batch.clear();
    }
    if (!more) return Status();
  }
}

Status QueryFileRows::Clear() {
  columns_.clear();
  if (spool_ == nullptr) {
    SLUICE_ASSIGN_OR_RETURN(spool_, RowSpool::Create(spool_dir_));
    return Status();
  }
  return spool_->Clear();
}

}  // namespace sluice::jobs
