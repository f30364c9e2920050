#include "format/parquet/parquet_writer.h"

#include <algorithm>

#include "format/schemas.h"

namespace sluice::format {

using parquet::ColumnChunk;
using parquet::RowGroup;

namespace {
constexpr std::string_view kMagic = "PAR1";
}  // namespace

namespace {

// Whether column writers and a workspace made for `a` write what `b` asks for.
bool SameColumnOptions(const ParquetWriterOptions& a, const ParquetWriterOptions& b) {
  return a.compression == b.compression && a.compression_level == b.compression_level &&
         a.compression_threads == b.compression_threads && a.page_bytes == b.page_bytes &&
         a.dictionary_max_bytes == b.dictionary_max_bytes;
}

}  // namespace

ParquetCarryOver::ParquetCarryOver() = default;
ParquetCarryOver::~ParquetCarryOver() = default;

ParquetWriter::ParquetWriter(ParquetWriterOptions options, OutputSink& sink,
                             ParquetCarryOver* carry)
    : options_(std::move(options)), sink_(sink), carry_(carry) {
  // The workspace and the columns that use it move together: the columns are destroyed first.
  if (carry_ != nullptr && carry_->workspace != nullptr &&
      SameColumnOptions(carry_->options, options_)) {
    workspace_ = std::move(carry_->workspace);
    columns_ = std::move(carry_->columns);  // made for carried_schema_; Begin decides
    carried_schema_ = std::move(carry_->schema);
  }
  if (workspace_ == nullptr) {
    workspace_ = std::make_unique<parquet::PageWorkspace>(
        options_.compression, options_.compression_level, options_.compression_threads);
  }
}

Status ParquetWriter::Begin(const Schema& schema) {
  if (xact_ != nullptr) return FailedPreconditionError("Begin called twice");
  SLUICE_RETURN_IF_ERROR(ValidateSchema(schema));
  schema_ = schema;
  parquet::ColumnWriterOptions column_options;
  column_options.compression = options_.compression;
  column_options.compression_level = options_.compression_level;
  column_options.page_bytes = options_.page_bytes;
  column_options.dictionary_max_bytes = options_.dictionary_max_bytes;
  column_options.workspace = workspace_.get();

  parquet::SchemaElement root;
  root.name = "schema";
  root.num_children = static_cast<int32_t>(schema_.columns.size());
  meta_.schema.push_back(root);
  // The columns the writer before left are each at the start of a chunk, as new ones would be;
  // they serve only the schema they were made for.
  if (carried_schema_ != schema_) columns_.clear();
  for (size_t i = 0; i < schema_.columns.size(); ++i) {
    if (columns_.size() <= i) {
      columns_.push_back(parquet::NewColumnWriter(schema_.columns[i], column_options));
    }
    columns_[i]->AppendSchema(&meta_.schema);
  }
  meta_.num_leaf_columns = static_cast<int32_t>(columns_.size());
  meta_.created_by = kParquetCreatedBy;
  for (const auto& [k, v] : options_.key_value_metadata) {
    meta_.key_value_metadata.push_back({k, v});
  }
  xact_ = std::make_unique<XactRange>(schema_);
  SLUICE_RETURN_IF_ERROR(sink_.Append(kMagic));
  stats_.bytes = sink_.bytes();
  return Status::Ok();
}

Status ParquetWriter::WriteRows(std::span<const Row> rows) {
  if (xact_ == nullptr) return FailedPreconditionError("WriteRows before Begin");
  Value scratch;
  for (const Row& row : rows) {
    SLUICE_RETURN_IF_ERROR(CheckRow(schema_, row, stats_.rows));
    size_t bytes = 0;
    for (size_t k = 0; k < columns_.size(); ++k) {
      SLUICE_RETURN_IF_ERROR(
          columns_[k]->Write(ColumnValue(row[k], schema_.columns[k].type, scratch)));
      bytes += columns_[k]->buffered_bytes();
    }
    xact_->Add(row, stats_);
    ++stats_.rows;
    ++group_rows_;
    bool full = bytes >= options_.row_group_bytes ||
                (options_.row_group_max_rows > 0 && group_rows_ >= options_.row_group_max_rows);
    if (full) SLUICE_RETURN_IF_ERROR(FlushRowGroup());
  }
  return Status::Ok();
}

Status ParquetWriter::FlushRowGroup() {
  if (group_rows_ == 0) return Status::Ok();
  RowGroup group;
  group.num_rows = group_rows_;
  group.file_offset = sink_.bytes();
  group.ordinal = static_cast<int16_t>(meta_.row_groups.size());
  for (auto& column : columns_) {
    ColumnChunk& chunk = group.columns.emplace_back();
    SLUICE_RETURN_IF_ERROR(column->FlushChunk(sink_, sink_.bytes(), &chunk));
    group.total_byte_size += chunk.meta_data.total_uncompressed_size;
    group.total_compressed_size += chunk.meta_data.total_compressed_size;
  }
  meta_.num_rows += group_rows_;
  meta_.row_groups.push_back(std::move(group));
  group_rows_ = 0;
  stats_.bytes = sink_.bytes();
  return Status::Ok();
}

Status ParquetWriter::Finish() {
  if (xact_ == nullptr) return FailedPreconditionError("Finish before Begin");
  SLUICE_RETURN_IF_ERROR(FlushRowGroup());
  std::string footer;
  parquet::SerializeFileMetaData(meta_, &footer);
  uint32_t n = static_cast<uint32_t>(footer.size());
  for (int b = 0; b < 4; ++b) footer.push_back(static_cast<char>((n >> (8 * b)) & 0xFF));
  footer.append(kMagic);
  SLUICE_RETURN_IF_ERROR(sink_.Append(footer));
  SLUICE_RETURN_IF_ERROR(sink_.Close());
  stats_.bytes = sink_.bytes();
  if (carry_ != nullptr) {
    // Every column flushed its last chunk: left as a new file's would start. The carry's own
    // columns go before the workspace they use is replaced.
    carry_->columns.clear();
    carry_->workspace = std::move(workspace_);
    carry_->columns = std::move(columns_);
    carry_->options = options_;
    carry_->schema = schema_;
  }
  return Status::Ok();
}

}  // namespace sluice::format
