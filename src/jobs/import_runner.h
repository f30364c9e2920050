// ImportRunner: brings the rows of an export destination back into one object (a project's
// logs, an experiment or a dataset), file by file in export order (import_plan.h). Each file is
// checked against its manifest (bytes, SHA-256, rows) before anything of it is written, and
// written in one transaction, so a bad file is named and nothing of it is applied, while the
// files before it stay applied. Rows keep their ids: importing again replaces each row with
// itself, so a second import (or one run again after a crash) leaves every row once.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>

#include "cloud/object_store.h"
#include "common/clock.h"
#include "jobs/import_plan.h"
#include "model/import_row.h"
#include "store/event_store.h"

namespace sluice::jobs {

struct ImportTarget {
  model::ObjectRef object;
  std::string org_id;
  std::string project_id;
};

struct ImportRequest {
  ImportTarget target;
  ImportSelection selection;
  // A BTQL filter expression: only matching rows are imported; empty = every row.
  std::string filter;
  // Bringing back what retention deleted (a retention run's archive files): only rows created
  // before this time, and never over a row that is there (one the run kept, or one already
  // brought back): files are read newest first and each id is taken once, from its newest
  // version, so a second run after an interruption finishes the first.
  std::optional<TimestampMicros> restore_created_before;
};

// What an import has done so far.
struct ImportProgress {
  int64_t files_total = 0;
  int64_t files_done = 0;
  int64_t rows = 0;           // rows written
  int64_t rows_filtered = 0;  // rows the filter left out
  int64_t rows_present = 0;   // restore only: rows left as they are (there already, or older)
  int64_t bytes = 0;          // bytes of the files read
  std::string current_file;   // being read; empty between files
};

// Thread-compatible: one Run at a time per instance.
class ImportRunner {
 public:
  // `source` is the destination's store; `url` its parsed path (keys are url.Join(name)).
  // `fault_hook` (tests only) is called with "imported" after each file is committed.
  ImportRunner(store::EventStore& store, Clock& clock,
               std::function<void(std::string_view)> fault_hook = nullptr)
      : store_(store), clock_(clock), fault_hook_(std::move(fault_hook)) {}

  // Plans and runs the import, calling `progress` after each file (and before the first). Stops
  // early, with kCancelled, when `cancel` becomes true between files. Errors name the file:
  // kDataLoss for a file that disagrees with its manifest or is missing, kInvalidArgument for a
  // row that is not valid (file:line or file:row), kInvalidArgument for a bad filter.
  Result<ImportProgress> Run(cloud::ObjectStore& source, const cloud::StorageUrl& url,
                             const ImportRequest& request,
                             const std::function<void(const ImportProgress&)>& progress,
                             const std::atomic<bool>* cancel = nullptr);

 private:
  // The rows of one file, checked against what the manifest says of it.
  Result<std::vector<model::ImportRow>> ReadFile(cloud::ObjectStore& source, const ImportFile& file,
                                                 int64_t* bytes);

  // Restore only: the writes of one file that bring back a deleted row's newest version.
  Result<std::vector<model::EventWrite>> Restorable(std::vector<model::EventWrite> writes,
                                                    TimestampMicros created_before,
                                                    const model::ObjectRef& object,
                                                    std::unordered_set<std::string>& taken,
                                                    int64_t* present);

  // Stores one file's writes (restore: only those Restorable keeps), counting them in `p`;
  // `taken` as for Restorable. A failed insert's error names p.current_file.
  Status Apply(std::vector<model::EventWrite> writes, const ImportRequest& request,
               std::unordered_set<std::string>& taken, ImportProgress& p);

  store::EventStore& store_;
  Clock& clock_;
  std::function<void(std::string_view)> fault_hook_;
};

}  // namespace sluice::jobs
