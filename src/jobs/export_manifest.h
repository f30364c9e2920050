// The run manifest of an export (docs/exports.md "Manifest"):
// `<prefix>/_sluice/manifests/<run_id>.json` lists every file a run committed (key, rows,
// bytes, SHA-256, cursor range, bound, the run that planned it) and the run's cursor before and
// after, so a consumer can check that the files in the bucket hold exactly what was exported.
// `_xact_id` values are decimal strings, as everywhere in the API.
#pragma once

#include <string>
#include <vector>

#include "common/json.h"
#include "jobs/automation_config.h"
#include "jobs/export_destination.h"
#include "model/automation.h"
#include "store/store.h"

namespace sluice::jobs {

// {"xact_id":"<decimal>","row_key":<n>}
Json CursorJson(const model::XactCursor& cursor);

// Thread-compatible; everything is borrowed.
class ManifestWriter {
 public:
  ManifestWriter(const model::Automation& automation, const ExportConfig& config,
                 const Destination& destination)
      : automation_(automation), config_(config), destination_(destination) {}

  // The manifest's key (in the destination) for run `run_id`.
  std::string Key(const std::string& run_id) const;

  // Writes the manifest of run `run_id`, which started at `started` and committed `files` (in
  // order; files without a key, custom-query windows with no rows, are left out) and moved the
  // cursor from `before` to `after`. Errors say what to change (DescribeWriteFailure).
  Status Write(const std::string& run_id, TimestampMicros started,
               const std::vector<store::ExportFile>& files, model::XactCursor before,
               model::XactCursor after) const;

 private:
  const model::Automation& automation_;
  const ExportConfig& config_;
  const Destination& destination_;
};

}  // namespace sluice::jobs
