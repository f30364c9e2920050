#include "jobs/retention_archive.h"

#include <algorithm>

#include "jobs/automation_config.h"

namespace sluice::jobs {

Result<model::Automation> ArchiveExport(store::AutomationStore& store,
                                        const model::Automation& retention,
                                        const std::string& archive_id) {
  auto bad = [&](const std::string& why) { return InvalidArgumentError("archive_first: " + why); };
  auto a = store.GetAutomation(archive_id);
  if (a.status().code() == StatusCode::kNotFound || (a.ok() && a->org_id != retention.org_id)) {
    return bad("no export automation " + archive_id + " exists");
  }
  SLUICE_RETURN_IF_ERROR(a.status());
  if (a->type != model::AutomationType::kExport) {
    return bad("automation \"" + a->name + "\" (" + archive_id + ") is not an export");
  }
  if (a->project_id != retention.project_id) {
    return bad("export \"" + a->name + "\" (" + archive_id +
               ") belongs to another project; name an export of project " + retention.project_id);
  }
  auto config = StoredExportConfig(*a);
  if (!config.ok()) {
    return bad("export \"" + a->name +
               "\" has a configuration that no longer reads: " + config.status().message());
  }
  if (config->definition != ExportDefinition::kLogSpans) {
    return bad("export \"" + a->name + "\" (" + archive_id +
               ") does not write every span (only a log_spans export is an archive of the logs: "
               "a traces export holds root spans, a query what it selects)");
  }
  return *a;
}

Result<ArchiveIndex> ArchiveIndex::Load(store::Store& store, const std::string& export_id) {
  ArchiveIndex index;
  std::string before;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(auto runs, store.ListRuns(export_id, 1000, before));
    for (const model::AutomationRun& run : runs) {
      SLUICE_ASSIGN_OR_RETURN(auto files, store.ListExportFiles(run.id));
      for (auto& f : files) {
        if (f.state == store::ExportFileState::kCommitted) index.files_.push_back(std::move(f));
      }
    }
    if (runs.size() < 1000) break;
    before = runs.back().id;
  }
  std::sort(index.files_.begin(), index.files_.end(),
            [](const store::ExportFile& a, const store::ExportFile& b) { return a.to < b.to; });
  return index;
}

const store::ExportFile* ArchiveIndex::FileHolding(const model::XactCursor& position) const {
  auto it = std::lower_bound(
      files_.begin(), files_.end(), position,
      [](const store::ExportFile& f, const model::XactCursor& p) { return f.to < p; });
  if (it == files_.end() || !(it->from < position)) return nullptr;
  return &*it;
}

}  // namespace sluice::jobs
