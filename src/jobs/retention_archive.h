// Retention that archives before it deletes (`archive_first`, docs/retention.md): a retention
// policy names an export automation of the same logs; a run deletes only rows that export has
// written, and records which of its files hold the rows it deleted, so they can be imported
// back after the grace period (docs/import.md, "Bringing back what retention deleted").
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "model/automation.h"
#include "model/scan.h"
#include "store/automation_store.h"
#include "store/store.h"

namespace sluice::jobs {

// The export automation `archive_id` if it can archive the project's logs for a retention
// policy of `retention` (same org and project, a `log_spans` export: a traces export holds
// only root spans). kInvalidArgument "archive_first: ..." saying what is wrong otherwise.
Result<model::Automation> ArchiveExport(store::AutomationStore& store,
                                        const model::Automation& retention,
                                        const std::string& archive_id);

// The committed files of an export, to find the file that holds a row by its position.
class ArchiveIndex {
 public:
  // Every committed file of `export_id` (through its runs, newest run first).
  static Result<ArchiveIndex> Load(store::Store& store, const std::string& export_id);

  // The file whose rows (from, to] include `position`; nullptr when none does.
  const store::ExportFile* FileHolding(const model::XactCursor& position) const;

  size_t size() const { return files_.size(); }

 private:
  std::vector<store::ExportFile> files_;  // by `to`
};

}  // namespace sluice::jobs
