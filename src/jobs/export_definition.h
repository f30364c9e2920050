// The three export definitions of DESIGN.md §5 (log_spans, log_traces, btql_query) behind one
// interface: each decides what its next file holds (Plan) and writes the rows of a planned or
// pending file (Write). The run (jobs/export_run.h) does the rest: pending records, upload,
// commit, manifest.
#pragma once

#include <cstdint>
#include <string>

#include "common/clock.h"
#include "common/json.h"
#include "common/status.h"
#include "format/row_writer.h"
#include "jobs/automation_config.h"
#include "model/automation.h"
#include "model/scan.h"
#include "store/store.h"

namespace sluice::jobs {

// What one run shares with the writer of its definition. Everything is borrowed from the run.
struct ExportRunContext {
  store::Store& store;
  Clock& clock;
  const model::Automation& automation;
  const ExportConfig& config;
  const model::AutomationRun& run;
  // The newest _xact_id committed at the run's start: the run reads nothing newer.
  uint64_t bound = 0;
};

// What the rows of one file came to.
struct FileContent {
  model::XactCursor to;      // the position the cursor moves to once the file is committed
  bool reached_end = false;  // nothing more to export below the bound (for now)
  int64_t waiting_traces = 0;
  int64_t incomplete_traces = 0;
};

// Not thread-safe: one per run.
class DefinitionWriter {
 public:
  virtual ~DefinitionWriter() = default;

  // Narrows `file` (rows after file->from up to file->xact_bound, at most file->row_limit) to
  // what the next file holds; false when nothing is to be written now. A custom query may record
  // windows whose output is empty as it goes (their cursor moves): file->from is then past them.
  virtual Result<bool> Plan(store::ExportFile* file) = 0;

  // Begins `writer` with the definition's schema and writes the rows of `file`, planned by Plan
  // or left pending by an interrupted run (then the same rows again).
  virtual Result<FileContent> Write(const store::ExportFile& file, format::RowWriter& writer) = 0;

  // Called once `content` (what Write returned) is committed.
  virtual void Committed(const FileContent& content) { (void)content; }

  // Adds the definition's own figures to the run's stats.
  virtual void RecordStats(Json& stats) const = 0;
};

}  // namespace sluice::jobs
