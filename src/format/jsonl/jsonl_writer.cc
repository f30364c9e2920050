#include "format/jsonl/jsonl_writer.h"

#include "common/json_writer.h"

namespace sluice::format {

JsonlWriter::JsonlWriter(JsonlWriterOptions options, OutputSink& sink)
    : options_(options), counter_(sink) {}

Status JsonlWriter::Begin(const Schema& schema) {
  if (out_ != nullptr) return FailedPreconditionError("Begin called twice");
  SLUICE_RETURN_IF_ERROR(ValidateSchema(schema));
  SLUICE_ASSIGN_OR_RETURN(
      out_, NewCompressingSink(options_.compression, options_.compression_level, counter_));
  schema_ = schema;
  for (size_t k = 0; k < schema_.columns.size(); ++k) {
    std::string prefix = k == 0 ? "{" : ",";
    AppendJsonString(prefix, schema_.columns[k].name);
    prefix += ':';
    key_prefixes_.push_back(std::move(prefix));
  }
  xact_ = std::make_unique<XactRange>(schema_);
  buffer_.reserve(options_.buffer_bytes + 4096);
  return Status::Ok();
}

Status JsonlWriter::WriteRows(std::span<const Row> rows) {
  if (out_ == nullptr) return FailedPreconditionError("WriteRows before Begin");
  Value scratch;
  for (const Row& row : rows) {
    SLUICE_RETURN_IF_ERROR(CheckRow(schema_, row, stats_.rows));
    for (size_t k = 0; k < row.size(); ++k) {
      buffer_ += key_prefixes_[k];
      AppendValueJson(ColumnValue(row[k], schema_.columns[k].type, scratch), buffer_);
    }
    buffer_ += "}\n";
    xact_->Add(row, stats_);
    ++stats_.rows;
    if (buffer_.size() >= options_.buffer_bytes) SLUICE_RETURN_IF_ERROR(Flush());
  }
  return Status::Ok();
}

Status JsonlWriter::Flush() {
  SLUICE_RETURN_IF_ERROR(out_->Append(buffer_));
  buffer_.clear();
  stats_.bytes = counter_.bytes();
  return Status::Ok();
}

Status JsonlWriter::Finish() {
  if (out_ == nullptr) return FailedPreconditionError("Finish before Begin");
  SLUICE_RETURN_IF_ERROR(Flush());
  SLUICE_RETURN_IF_ERROR(out_->Close());
  stats_.bytes = counter_.bytes();
  return Status::Ok();
}

}  // namespace sluice::format
