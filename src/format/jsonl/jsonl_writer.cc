#include "format/jsonl/jsonl_writer.h"

#include <algorithm>

#include "common/json_writer.h"
#include "format/schemas.h"

namespace sluice::format {

JsonlWriter::JsonlWriter(JsonlWriterOptions options, OutputSink& sink)
    : options_(options), counter_(sink) {}

Status JsonlWriter::Begin(const Schema& schema) {
  if (out_ != nullptr) return FailedPreconditionError("Begin called twice");
  SLUICE_RETURN_IF_ERROR(ValidateSchema(schema));
  SLUICE_ASSIGN_OR_RETURN(
      out_, NewCompressingSink(options_.compression, options_.compression_level, counter_));
  schema_ = schema;
  const Schema& spans = SpanSchema();
  spans_ = schema.columns.size() == spans.columns.size() &&
           std::equal(schema.columns.begin(), schema.columns.end(), spans.columns.begin(),
                      [](const Column& a, const Column& b) {
                        return a.name == b.name && a.type == b.type && a.nullable == b.nullable;
                      });
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

namespace {

void AppendStringOrNull(const std::string& s, std::string& out) {
  if (s.empty()) {
    out += "null";
  } else {
    AppendJsonString(out, s);
  }
}

void AppendListOrNull(const std::vector<std::string>& list, std::string& out) {
  if (list.empty()) {
    out += "null";
    return;
  }
  out += '[';
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(out, list[i]);
  }
  out += ']';
}

}  // namespace

void JsonlWriter::AppendEventLine(const model::Event& e) {
  std::string& b = buffer_;
  b += key_prefixes_[0];
  AppendJsonString(b, e.id);
  b += key_prefixes_[1];
  b += std::to_string(e.xact_id);
  b += key_prefixes_[2];
  AppendValueJson(Value::Timestamp(e.created), b);
  b += key_prefixes_[3];
  AppendStringOrNull(e.org_id, b);
  b += key_prefixes_[4];
  AppendStringOrNull(e.project_id, b);
  const bool logs = e.object.type == model::ObjectType::kProjectLogs;
  b += key_prefixes_[5];
  b += logs ? "\"g\"" : "null";
  b += key_prefixes_[6];
  AppendStringOrNull(e.object.type == model::ObjectType::kExperiment ? e.object.id : "", b);
  b += key_prefixes_[7];
  AppendStringOrNull(e.object.type == model::ObjectType::kDataset ? e.object.id : "", b);
  b += key_prefixes_[8];
  AppendStringOrNull(e.span_id, b);
  b += key_prefixes_[9];
  AppendStringOrNull(e.root_span_id, b);
  b += key_prefixes_[10];
  AppendListOrNull(e.span_parents, b);
  b += key_prefixes_[11];
  b += e.is_root ? "true" : "false";
  size_t k = 12;
  for (const model::JsonField& f : model::kJsonFields) {
    b += key_prefixes_[k++];
    const std::string& text = e.*f.member;
    b += text.empty() ? std::string_view("null") : std::string_view(text);
  }
  b += key_prefixes_[k];
  AppendListOrNull(e.tags, b);
  b += "}\n";
}

Status JsonlWriter::WriteEvents(std::span<const model::Event> events) {
  if (out_ == nullptr) return FailedPreconditionError("WriteEvents before Begin");
  if (!spans_) return InvalidArgumentError("WriteEvents needs the spans schema");
  for (const model::Event& e : events) {
    // A span without id breaks the required column: the row path says so.
    if (e.id.empty()) return RowWriter::WriteEvents(std::span(&e, 1));
    AppendEventLine(e);
    const auto x = static_cast<int64_t>(e.xact_id);
    if (!stats_.min_xact_id || x < *stats_.min_xact_id) stats_.min_xact_id = x;
    if (!stats_.max_xact_id || x > *stats_.max_xact_id) stats_.max_xact_id = x;
    ++stats_.rows;
    if (buffer_.size() >= options_.buffer_bytes) SLUICE_RETURN_IF_ERROR(Flush());
  }
  return Status::Ok();
}

Status JsonlWriter::Flush() {
  SLUICE_RETURN_IF_ERROR(out_->AppendOwned(&buffer_));
  if (buffer_.capacity() < options_.buffer_bytes) buffer_.reserve(options_.buffer_bytes + 4096);
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
