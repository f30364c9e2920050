#include "jobs/import_runner.h"

#include <algorithm>
#include <future>
#include <unordered_set>

#include "common/crypto.h"
#include "common/log.h"
#include "format/parquet/parquet_reader.h"
#include "jobs/automation_config.h"
#include "jobs/row_filter.h"
#include "model/event_write.h"

namespace sluice::jobs {

namespace {

std::string FileName(cloud::ObjectStore& source, const ImportFile& f) {
  return source.Describe(f.key);
}

// The rows' writes for the target, leaving out those the filter does not match. A row that
// names an object of another kind cannot go to the target.
Result<std::vector<model::EventWrite>> ForTarget(std::vector<model::ImportRow> rows,
                                                 const std::string& file,
                                                 const ImportTarget& target, RowFilter& filter,
                                                 TimestampMicros now, int64_t* filtered) {
  std::vector<model::EventWrite> writes;
  writes.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    model::ImportRow& row = rows[i];
    if (row.object && row.object->type != target.object.type) {
      return InvalidArgumentError(file + " row " + std::to_string(i + 1) + " belongs to " +
                                  std::string(model::ObjectTypeName(row.object->type)) + " " +
                                  row.object->id + ": import it into " +
                                  std::string(model::ObjectTypeName(row.object->type)) + ", not " +
                                  std::string(model::ObjectTypeName(target.object.type)));
    }
    if (filter.active()) {
      SLUICE_ASSIGN_OR_RETURN(model::Event e, model::ApplyEventWrite(row.write, nullptr, now));
      e.object = target.object;
      e.project_id = target.project_id;
      e.org_id = target.org_id;
      if (!filter.Matches(e)) {
        ++*filtered;
        continue;
      }
    }
    writes.push_back(std::move(row.write));
  }
  return writes;
}

}  // namespace

Result<std::vector<model::EventWrite>> ImportRunner::Restorable(
    std::vector<model::EventWrite> writes, TimestampMicros created_before,
    const model::ObjectRef& object, std::unordered_set<std::string>& taken, int64_t* present) {
  // Newest last in a file: read backwards, the first version of an id is its newest.
  std::vector<model::EventWrite> out;
  for (auto it = writes.rbegin(); it != writes.rend(); ++it) {
    SLUICE_ASSIGN_OR_RETURN(model::Event e, model::ApplyEventWrite(*it, nullptr, 0));
    if (e.created >= created_before || !taken.insert(it->id).second) {
      ++*present;
      continue;
    }
    SLUICE_ASSIGN_OR_RETURN(bool there, store_.RowExists(object, it->id));
    if (there) {
      ++*present;
      continue;
    }
    out.push_back(std::move(*it));
  }
  return out;
}

Result<std::vector<model::ImportRow>> ImportRunner::ReadFile(cloud::ObjectStore& source,
                                                             const ImportFile& file,
                                                             int64_t* bytes) {
  const std::string name = FileName(source, file);
  auto data = source.Get(file.key);
  if (data.status().code() == StatusCode::kNotFound) {
    return DataLossError(name + " is listed in the export's manifest but missing");
  }
  SLUICE_RETURN_IF_ERROR(data.status());
  *bytes = static_cast<int64_t>(data->size());
  if (file.bytes >= 0 && *bytes != file.bytes) {
    return DataLossError(name + " has " + std::to_string(*bytes) + " bytes; its manifest says " +
                         std::to_string(file.bytes));
  }
  if (!file.sha256.empty() && HexEncode(Sha256(*data)) != file.sha256) {
    return DataLossError(name + " does not match the SHA-256 its manifest records");
  }
  std::vector<model::ImportRow> rows;
  if (file.parquet) {
    SLUICE_ASSIGN_OR_RETURN(auto objects, format::ReadParquetRowsAsJson(*data, name));
    std::string().swap(*data);
    rows.reserve(objects.size());
    for (size_t i = 0; i < objects.size(); ++i) {
      SLUICE_ASSIGN_OR_RETURN(
          model::ImportRow row,
          model::ParseImportRow(objects[i], name + " row " + std::to_string(i + 1)));
      rows.push_back(std::move(row));
      std::string().swap(objects[i]);  // the text is no longer needed: memory goes back now
    }
  } else {
    SLUICE_ASSIGN_OR_RETURN(rows, model::ParseImportLines(*data, name));
  }
  if (file.rows >= 0 && static_cast<int64_t>(rows.size()) != file.rows) {
    return DataLossError(name + " holds " + std::to_string(rows.size()) +
                         " rows; its manifest says " + std::to_string(file.rows));
  }
  return rows;
}

Status ImportRunner::Apply(std::vector<model::EventWrite> writes, const ImportRequest& request,
                           std::unordered_set<std::string>& taken, ImportProgress& p) {
  const ImportTarget& target = request.target;
  if (request.restore_created_before) {
    SLUICE_ASSIGN_OR_RETURN(writes, Restorable(std::move(writes), *request.restore_created_before,
                                               target.object, taken, &p.rows_present));
  }
  if (writes.empty()) return Status();
  const store::ObjectWrites batch{target.object, target.org_id, target.project_id, writes};
  auto written = store_.InsertBatch({&batch, 1}, clock_.NowMicros());
  if (!written.ok()) return written.status().WithContext(p.current_file);
  p.rows += written->rows_written;
  return Status();
}

Result<ImportProgress> ImportRunner::Run(cloud::ObjectStore& source, const cloud::StorageUrl& url,
                                         const ImportRequest& request,
                                         const std::function<void(const ImportProgress&)>& progress,
                                         const std::atomic<bool>* cancel) {
  const ImportTarget& target = request.target;
  if (!request.filter.empty()) {
    SLUICE_RETURN_IF_ERROR(CheckFilter("filter", request.filter, target.object));
  }
  SLUICE_ASSIGN_OR_RETURN(RowFilter filter,
                          RowFilter::Compile(request.filter, target.object, clock_.NowMicros()));
  SLUICE_ASSIGN_OR_RETURN(ImportPlan plan, PlanImport(source, url, request.selection));
  if (request.restore_created_before) std::reverse(plan.files.begin(), plan.files.end());
  std::unordered_set<std::string> taken;  // restore: ids whose newest version was seen
  ImportProgress p;
  p.files_total = static_cast<int64_t>(plan.files.size());
  if (progress) progress(p);
  // A file is read, checked and parsed on a second thread while the one before it is written,
  // so the two cores share the work; files are still applied one by one, in order.
  struct Loaded {
    std::vector<model::EventWrite> writes;
    int64_t bytes = 0;
    int64_t filtered = 0;
  };
  auto load = [&](size_t i) -> Result<Loaded> {
    Loaded out;
    SLUICE_ASSIGN_OR_RETURN(auto rows, ReadFile(source, plan.files[i], &out.bytes));
    SLUICE_ASSIGN_OR_RETURN(
        out.writes, ForTarget(std::move(rows), FileName(source, plan.files[i]), target, filter,
                              clock_.NowMicros(), &out.filtered));
    return out;
  };
  std::future<Result<Loaded>> next;
  if (!plan.files.empty()) next = std::async(std::launch::async, load, 0);
  for (size_t i = 0; i < plan.files.size(); ++i) {
    Result<Loaded> loaded = next.get();
    if (cancel != nullptr && cancel->load()) return CancelledError("import cancelled");
    p.current_file = FileName(source, plan.files[i]);
    if (progress) progress(p);
    if (!loaded.ok()) return loaded.status();
    if (i + 1 < plan.files.size()) next = std::async(std::launch::async, load, i + 1);
    p.rows_filtered += loaded->filtered;
    SLUICE_RETURN_IF_ERROR(Apply(std::move(loaded->writes), request, taken, p));
    if (fault_hook_) fault_hook_("imported");
    p.bytes += loaded->bytes;
    ++p.files_done;
    p.current_file.clear();
    if (progress) progress(p);
  }
  return p;
}

}  // namespace sluice::jobs
