// The writer of `btql_query` exports (docs/exports.md): the query runs over windows of new rows,
// each the next batch_size rows of its object after the cursor, extended to the end of the last
// transaction in it; a window's output makes one file, with a schema inferred from its rows.
// A window whose output is empty writes no file: it is recorded as a committed file without a
// key, so the cursor moves past it. The query is parsed once, with the config; each window is
// read by one scan of the query (its end is found from the store's index), and its rows wait
// on disk (RowSpool) until the file's schema is known.
#pragma once

#include <memory>

#include "jobs/export_definition.h"
#include "jobs/query_rows.h"
#include "query/ast.h"

namespace sluice::jobs {

// Not thread-safe: one per run.
class QueryFileWriter final : public DefinitionWriter {
 public:
  // REQUIRES: run.config.query is set (a btql_query export).
  QueryFileWriter(ExportRunContext& run, std::unique_ptr<QueryFileRows> rows)
      : run_(run), query_(*run.config.query), rows_(std::move(rows)) {}

  // Finds the next window whose output is not empty, recording empty ones on the way, and
  // runs the query over it; file->xact_bound becomes the window's end.
  Result<bool> Plan(store::ExportFile* file) override;
  // The planned window's rows, or for a pending file its window again.
  Result<FileContent> Write(const store::ExportFile& file, format::RowWriter& writer) override;
  // empty_windows.
  void RecordStats(Json& stats) const override;

 private:
  // The end (_xact_id) of the window after `from`; 0 when no row follows.
  Result<uint64_t> WindowEnd(model::XactCursor from);
  // Runs the query over the rows after `from` with _xact_id <= `window_end` into rows_.
  Status RunWindow(model::XactCursor from, uint64_t window_end);
  // A custom query may read only objects of the automation's project.
  Status CheckObject(const model::ObjectRef& object);
  // Records the empty window of `file` and moves file->from past it.
  Status SkipEmptyWindow(store::ExportFile* file);

  ExportRunContext& run_;
  const query::Query& query_;
  std::unique_ptr<QueryFileRows> rows_;
  bool planned_ = false;  // rows_ holds the planned file's window
  int64_t empty_windows_ = 0;
};

}  // namespace sluice::jobs
