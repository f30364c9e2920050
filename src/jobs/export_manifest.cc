#include "jobs/export_manifest.h"

#include "common/time_util.h"

namespace sluice::jobs {

Json CursorJson(const model::XactCursor& c) {
  Json j = Json::Object();
  j.Set("xact_id", Json::String(std::to_string(c.xact_id)));
  j.Set("row_key", Json::Int(c.row_key));
  return j;
}

std::string ManifestWriter::Key(const std::string& run_id) const {
  return destination_.url.Join("_sluice/manifests/" + run_id + ".json");
}

Status ManifestWriter::Write(const std::string& run_id, TimestampMicros started,
                             const std::vector<store::ExportFile>& committed,
                             model::XactCursor before, model::XactCursor after) const {
  Json files = Json::Array();
  int64_t rows = 0, bytes = 0;
  for (const store::ExportFile& f : committed) {
    if (f.key.empty()) continue;  // a custom-query window with no rows: no object
    Json j = Json::Object();
    j.Set("key", Json::String(f.key));
    j.Set("rows", Json::Int(f.rows));
    j.Set("bytes", Json::Int(f.bytes));
    j.Set("sha256", Json::String(f.sha256));
    j.Set("cursor_from", CursorJson(f.from));
    j.Set("cursor_to", CursorJson(f.to));
    j.Set("xact_bound", Json::String(std::to_string(f.xact_bound)));
    j.Set("planned_by_run", Json::String(f.run_id));
    files.Push(std::move(j));
    rows += f.rows;
    bytes += f.bytes;
  }
  Json m = Json::Object();
  m.Set("run_id", Json::String(run_id));
  m.Set("automation_id", Json::String(automation_.id));
  m.Set("export_path", Json::String(config_.export_path));
  m.Set("started", Json::String(FormatRfc3339(started)));
  m.Set("cursor_before", CursorJson(before));
  m.Set("cursor_after", CursorJson(after));
  m.Set("rows", Json::Int(rows));
  m.Set("bytes", Json::Int(bytes));
  m.Set("files", std::move(files));
  const std::string key = Key(run_id);
  const Status s = destination_.store->Put(key, m.ToString() + "\n");
  if (!s.ok()) return Status(s.code(), DescribeWriteFailure(destination_, s, key));
  return Status();
}

}  // namespace sluice::jobs
