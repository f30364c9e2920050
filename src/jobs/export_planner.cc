#include "jobs/export_planner.h"

#include <cstdio>

#include "common/time_util.h"

namespace sluice::jobs {

format::WriterOptions WriterOptionsFor(const ExportConfig& c) {
  format::WriterOptions o;
  o.format = c.format == ExportFormat::kParquet ? format::FileFormat::kParquet
                                                : format::FileFormat::kJsonl;
  o.compression = format::DefaultCompression(o.format);
  return o;
}

std::string ExportFileName(int64_t sequence, const std::string& extension) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%03lld", static_cast<long long>(sequence));
  return std::string("export_") + digits + extension;
}

Result<std::optional<store::ExportFile>> ExportPlanner::Next(model::XactCursor* cursor) {
  store::ExportFile file;
  file.automation_id = run_.automation.id;
  file.run_id = run_.run.id;
  file.from = *cursor;
  file.xact_bound = run_.bound;
  file.row_limit = run_.config.batch_size;
  file.created = run_.clock.NowMicros();
  SLUICE_ASSIGN_OR_RETURN(bool any, definition_.Plan(&file));
  *cursor = file.from;
  if (!any) return std::optional<store::ExportFile>();
  file.date_folder = FormatDate(run_.run.started);
  SLUICE_ASSIGN_OR_RETURN(file.sequence,
                          run_.store.NextExportSequence(file.automation_id, file.date_folder));
  const std::string folder =
      run_.config.hive_layout ? "date=" + file.date_folder : file.date_folder;
  const format::WriterOptions options = WriterOptionsFor(run_.config);
  file.key = destination_.url.Join(
      folder + "/" +
      ExportFileName(file.sequence, format::FileExtension(options.format, options.compression)));
  SLUICE_ASSIGN_OR_RETURN(store::ExportFile recorded, run_.store.AddPendingExportFile(file));
  return std::optional<store::ExportFile>(std::move(recorded));
}

}  // namespace sluice::jobs
