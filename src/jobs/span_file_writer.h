// The writer of `log_spans` exports: one SpanSchema row per span, in (_xact_id, row_key) order,
// at most batch_size spans per file (docs/exports.md).
#pragma once

#include "jobs/export_definition.h"

namespace sluice::jobs {

// Not thread-safe: one per run.
class SpanFileWriter final : public DefinitionWriter {
 public:
  explicit SpanFileWriter(ExportRunContext& run) : run_(run) {}

  // True when a span follows file->from.
  Result<bool> Plan(store::ExportFile* file) override;
  Result<FileContent> Write(const store::ExportFile& file, format::RowWriter& writer) override;
  void RecordStats(Json&) const override {}

 private:
  ExportRunContext& run_;
};

}  // namespace sluice::jobs
