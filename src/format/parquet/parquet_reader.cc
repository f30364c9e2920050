#include "format/parquet/parquet_reader.h"

#include <cstring>
#include <utility>

#include "common/json_writer.h"
#include "format/parquet/value_conversion.h"

namespace sluice::format {

using parquet::ColumnChunkReader;
using parquet::ColumnPlan;
using parquet::PhysicalValue;

namespace {

constexpr int64_t kMinFileBytes = 12;  // "PAR1", footer length, "PAR1"

std::string TypeName(parquet::PhysicalType t) {
  static constexpr const char* kNames[] = {
      "BOOLEAN", "INT32",  "INT64",      "INT96",
      "FLOAT",   "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
  const auto k = static_cast<int32_t>(t);
  return k >= 0 && k < 8 ? kNames[k] : "type " + std::to_string(k);
}

}  // namespace

Result<std::unique_ptr<ParquetFileReader>> ParquetFileReader::Open(
    std::unique_ptr<ReadableFile> file, std::string name) {
  auto reader = std::make_unique<ParquetFileReader>(Passkey(), std::move(file), name);
  Status s = reader->Load();
  if (!s.ok()) return s.WithContext(name);
  return reader;
}

Status ParquetFileReader::Load() {
  const int64_t size = file_->Size();
  if (size < kMinFileBytes) {
    return DataLossError("file of " + std::to_string(size) + " bytes is too short for Parquet");
  }
  std::string scratch;
  SLUICE_ASSIGN_OR_RETURN(std::string_view head, file_->ReadAt(0, 4, &scratch));
  if (head != "PAR1") return DataLossError("file does not start with PAR1");
  SLUICE_ASSIGN_OR_RETURN(std::string_view tail, file_->ReadAt(size - 8, 8, &scratch));
  if (tail.substr(4) == "PARE") return UnimplementedError("encrypted footer (PARE)");
  if (tail.substr(4) != "PAR1") return DataLossError("file does not end with PAR1");
  uint32_t footer_bytes;
  std::memcpy(&footer_bytes, tail.data(), 4);
  if (footer_bytes > size - kMinFileBytes) {
    return DataLossError("footer of " + std::to_string(footer_bytes) +
                         " bytes does not fit in the file of " + std::to_string(size) + " bytes");
  }
  data_end_ = size - 8 - footer_bytes;
  SLUICE_ASSIGN_OR_RETURN(std::string_view footer,
                          file_->ReadAt(data_end_, footer_bytes, &scratch));
  Result<parquet::Footer> parsed = parquet::ParseFooter(footer);
  if (!parsed.ok())
    return parsed.status().WithContext("footer at byte " + std::to_string(data_end_));
  footer_ = std::move(*parsed);
  SLUICE_ASSIGN_OR_RETURN(file_schema_, parquet::ResolveSchema(footer_.schema));
  footer_.schema = {};
  for (const ColumnPlan& plan : file_schema_.columns) schema_.columns.push_back(plan.column);
  return CheckRowGroups();
}

Status ParquetFileReader::CheckRowGroups() const {
  const std::vector<parquet::PhysicalType>& leaves = file_schema_.leaf_types;
  for (size_t g = 0; g < footer_.row_groups.size(); ++g) {
    const auto& chunks = footer_.row_groups[g].columns;
    if (chunks.size() != leaves.size()) {
      return DataLossError("row group " + std::to_string(g) + " has " +
                           std::to_string(chunks.size()) + " column chunks for " +
                           std::to_string(leaves.size()) + " leaf columns");
    }
    for (size_t c = 0; c < chunks.size(); ++c) {
      if (chunks[c].type != leaves[c]) {
        return DataLossError("row group " + std::to_string(g) + " column chunk " +
                             std::to_string(c) + " holds " + TypeName(chunks[c].type) +
                             ", the schema says " + TypeName(leaves[c]));
      }
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<ParquetRowReader>> ParquetFileReader::ReadRows(
    const RowReadOptions& options) {
  const int groups = num_row_groups();
  const int count =
      options.row_group_count < 0 ? groups - options.first_row_group : options.row_group_count;
  if (options.first_row_group < 0 || options.first_row_group > groups || count < 0 ||
      count > groups - options.first_row_group) {
    return InvalidArgumentError(name_ + ": row groups " + std::to_string(options.first_row_group) +
                                " + " + std::to_string(count) + " of " + std::to_string(groups));
  }
  auto rows = std::make_unique<ParquetRowReader>(ParquetRowReader::Passkey(), *this);
  rows->next_group_ = options.first_row_group;
  rows->end_group_ = options.first_row_group + count;
  std::vector<std::string> names = options.columns;
  if (names.empty()) {
    for (const Column& c : schema_.columns) names.push_back(c.name);
  }
  for (const std::string& name : names) {
    const int k = schema_.Find(name);
    if (k < 0) {
      for (const parquet::UnsupportedColumn& u : file_schema_.unsupported) {
        if (u.name == name) {
          return InvalidArgumentError(name_ + ": column '" + name +
                                      "' cannot be read: " + u.reason);
        }
      }
      return InvalidArgumentError(name_ + ": no column '" + name + "'");
    }
    const ColumnPlan& plan = file_schema_.columns[k];
    rows->schema_.columns.push_back(plan.column);
    rows->plans_.push_back(&plan);
    rows->columns_.push_back(
        std::make_unique<ColumnChunkReader>(*file_, plan, rows->decompressor_));
  }
  return rows;
}

ParquetRowReader::~ParquetRowReader() = default;

Status ParquetRowReader::Fail(size_t k, const Status& s, bool in_row) {
  std::string where =
      file_.name_ + ": column '" + plans_[k]->column.name + "' row group " + std::to_string(group_);
  if (in_row) where += " row " + std::to_string(group_row_);
  return s.WithContext(where);
}

Status ParquetRowReader::StartRowGroup(int g) {
  group_ = g;
  group_row_ = 0;
  group_left_ = 0;
  const parquet::FooterRowGroup& group = file_.footer_.row_groups[g];
  for (size_t k = 0; k < columns_.size(); ++k) {
    Status s = columns_[k]->Start(group.columns[plans_[k]->leaf], file_.data_end_);
    if (!s.ok()) return Fail(k, s, false);
  }
  group_left_ = group.num_rows;
  return Status::Ok();
}

Status ParquetRowReader::FinishRowGroup() {
  for (size_t k = 0; k < columns_.size(); ++k) {
    if (columns_[k]->has_next()) {
      return Fail(k,
                  DataLossError("column chunk holds more values than the row group's " +
                                std::to_string(group_row_) + " rows"),
                  false);
    }
  }
  group_ = -1;
  return Status::Ok();
}

Result<bool> ParquetRowReader::Next(Row* row) {
  if (!status_.ok()) return status_;
  while (group_left_ == 0) {
    if (group_ >= 0) {
      status_ = FinishRowGroup();
      if (!status_.ok()) return status_;
    }
    if (next_group_ >= end_group_) return false;
    status_ = StartRowGroup(next_group_++);
    if (!status_.ok()) return status_;
  }
  row->resize(columns_.size());
  for (size_t k = 0; k < columns_.size(); ++k) {
    Status s = ReadCell(k, &(*row)[k]);
    if (!s.ok()) {
      status_ = Fail(k, s, true);
      return status_;
    }
  }
  --group_left_;
  ++group_row_;
  ++rows_read_;
  return true;
}

Status ParquetRowReader::ReadCell(size_t k, Value* out) {
  ColumnChunkReader& c = *columns_[k];
  const ColumnPlan& p = *plans_[k];
  if (!c.has_next()) {
    return DataLossError("column chunk ends before the row group's " +
                         std::to_string(group_row_ + group_left_) + " rows");
  }
  uint32_t rep = 0;
  SLUICE_RETURN_IF_ERROR(c.PeekRep(&rep));
  if (rep != 0) return DataLossError("row starts with repetition level " + std::to_string(rep));
  if (p.max_rep > 0) return ReadList(k, out);
  uint32_t def = 0;
  PhysicalValue v;
  SLUICE_RETURN_IF_ERROR(c.Take(&def, &v));
  if (def < static_cast<uint32_t>(p.max_def)) {
    out->type = ValueType::kNull;
    return Status::Ok();
  }
  return parquet::ConvertValue(p.conversion, p.column.type, v, out);
}

Status ParquetRowReader::ReadList(size_t k, Value* out) {
  ColumnChunkReader& c = *columns_[k];
  const ColumnPlan& p = *plans_[k];
  const auto list_def = static_cast<uint32_t>(p.list_def);
  uint32_t def = 0;
  PhysicalValue v;
  SLUICE_RETURN_IF_ERROR(c.Take(&def, &v));
  if (def < list_def) {
    out->type = ValueType::kNull;
    return Status::Ok();
  }
  out->type = p.column.type;
  const bool strings = p.column.type == ValueType::kStringList;
  if (!strings) out->s.assign("[");
  size_t n = 0;
  if (def > list_def) SLUICE_RETURN_IF_ERROR(AddElement(k, def, v, &n, out));
  uint32_t rep = 0;
  while (c.has_next()) {
    SLUICE_RETURN_IF_ERROR(c.PeekRep(&rep));
    if (rep == 0) break;
    SLUICE_RETURN_IF_ERROR(c.Take(&def, &v));
    if (def <= list_def) return DataLossError("a list's entry continues with an empty list");
    SLUICE_RETURN_IF_ERROR(AddElement(k, def, v, &n, out));
  }
  if (strings) {
    out->list.resize(n);
  } else {
    out->s.push_back(']');
  }
  return Status::Ok();
}

// Appends element n of a list: to out->list for lists of strings (reusing the strings already
// there), as JSON to out->s otherwise.
Status ParquetRowReader::AddElement(size_t k, uint32_t def, const PhysicalValue& v, size_t* n,
                                    Value* out) {
  const ColumnPlan& p = *plans_[k];
  const bool strings = p.column.type == ValueType::kStringList;
  if (!strings && *n > 0) out->s.push_back(',');
  if (def < static_cast<uint32_t>(p.max_def)) {
    if (strings) {
      return InvalidArgumentError(
          "null element in a list of strings (sluice's lists hold "
          "strings only)");
    }
    out->s.append("null");
  } else if (strings && p.conversion.kind == parquet::LeafConversion::Kind::kBytes) {
    if (*n == out->list.size()) out->list.emplace_back();
    out->list[*n].assign(v.bytes);
  } else {
    SLUICE_RETURN_IF_ERROR(parquet::ConvertValue(p.conversion, p.element_type, v, &element_));
    if (strings) {
      if (*n == out->list.size()) out->list.emplace_back();
      out->list[*n].swap(element_.s);
    } else {
      AppendValueJson(element_, out->s);
    }
  }
  ++*n;
  return Status::Ok();
}

Result<std::vector<std::string>> ReadParquetRowsAsJson(std::string_view file_bytes,
                                                       const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(auto file,
                          ParquetFileReader::Open(NewBorrowedMemoryFile(file_bytes), name));
  SLUICE_ASSIGN_OR_RETURN(auto rows, file->ReadRows());
  const std::vector<Column>& columns = rows->schema().columns;
  std::vector<std::string> out;
  Row row;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(bool more, rows->Next(&row));
    if (!more) break;
    std::string object = "{";
    for (size_t k = 0; k < row.size(); ++k) {
      if (k > 0) object += ',';
      AppendJsonString(object, columns[k].name);
      object += ':';
      AppendValueJson(row[k], object);
    }
    object += '}';
    out.push_back(std::move(object));
  }
  return out;
}

}  // namespace sluice::format
