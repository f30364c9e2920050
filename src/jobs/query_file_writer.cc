#include "jobs/query_file_writer.h"

#include <algorithm>
#include <cstdint>

#include "common/time_util.h"

namespace sluice::jobs {
namespace {

// Filters a stream down to the window (rows after `from`, _xact_id <= max).
class WindowedStream final : public model::EventStream {
 public:
  WindowedStream(std::unique_ptr<model::EventStream> inner, model::XactCursor from)
      : inner_(std::move(inner)), from_(from) {}
  Result<bool> Next(model::Event* row) override {
    while (true) {
      SLUICE_ASSIGN_OR_RETURN(bool more, inner_->Next(row));
      if (!more) return false;
      if (model::XactCursor{row->xact_id, row->row_key} > from_) return true;
    }
  }

 private:
  std::unique_ptr<model::EventStream> inner_;
  const model::XactCursor from_;
};

// The rows of `inner` committed after `from` (in (_xact_id, row_key) order) with _xact_id <=
// `max_xact_id`: every scan through it is narrowed to that window, whatever its order.
class WindowedSource final : public model::EventSource {
 public:
  WindowedSource(model::EventSource& inner, model::XactCursor from, uint64_t max_xact_id)
      : inner_(inner), from_(from), max_xact_id_(max_xact_id) {}

  Result<std::unique_ptr<model::EventStream>> Scan(const model::ScanRequest& request) override {
    model::ScanRequest narrowed = request;
    narrowed.max_xact_id =
        request.max_xact_id ? std::min(*request.max_xact_id, max_xact_id_) : max_xact_id_;
    if (request.order == model::ScanOrder::kXactAscending) {
      narrowed.after = request.after ? std::max(*request.after, from_) : from_;
    } else {
      narrowed.limit = 0;  // rows before the window are dropped below, after the store's limit
    }
    SLUICE_ASSIGN_OR_RETURN(auto inner, inner_.Scan(narrowed));
    return std::unique_ptr<model::EventStream>(new WindowedStream(std::move(inner), from_));
  }

 private:
  model::EventSource& inner_;
  const model::XactCursor from_;
  const uint64_t max_xact_id_;
};

}  // namespace

Status QueryFileWriter::CheckObject(const model::ObjectRef& object) {
  std::string project_id;
  if (object.type == model::ObjectType::kProjectLogs) {
    project_id = object.id;
  } else if (object.type == model::ObjectType::kExperiment) {
    auto e = run_.store.GetExperiment(object.id);
    if (e.ok()) project_id = e->project_id;
  } else if (object.type == model::ObjectType::kDataset) {
    auto d = run_.store.GetDataset(object.id);
    if (d.ok()) project_id = d->project_id;
  }
  const std::string& own = run_.automation.project_id;
  if (project_id != own) {
    return PermissionDeniedError(std::string(model::ObjectTypeName(object.type)) + " " + object.id +
                                 " is not in project " + own);
  }
  return Status();
}

Result<uint64_t> QueryFileWriter::WindowEnd(model::XactCursor from) {
  model::ScanRequest scan;
  scan.object = query_.source.object;
  scan.after = from;
  scan.max_xact_id = run_.bound;
  SLUICE_ASSIGN_OR_RETURN(auto last, run_.store.NthRowPosition(scan, run_.config.batch_size));
  if (last) return last->xact_id;
  // Fewer rows than a batch: the window is all of them, up to the run's bound.
  scan.limit = 1;
  SLUICE_ASSIGN_OR_RETURN(int64_t any, run_.store.CountRows(scan));
  return any > 0 ? run_.bound : uint64_t{0};
}

Status QueryFileWriter::RunWindow(model::XactCursor from, uint64_t window_end) {
  SLUICE_RETURN_IF_ERROR(rows_->Clear());
  WindowedSource window(run_.store, from, window_end);
  query::QueryContext ctx;
  ctx.clock = &run_.clock;
  ctx.max_xact_id = window_end;
  ctx.default_limit = INT64_MAX;
  ctx.check_permission = [this](const model::ObjectRef& o) { return CheckObject(o); };
  return query::RunParsedQuery(query_, ctx, window, *rows_).status();
}

Status QueryFileWriter::SkipEmptyWindow(store::ExportFile* file) {
  store::ExportFile skip = *file;
  // Negative sequences never collide with file numbers: one per window end.
  skip.sequence = -static_cast<int64_t>(skip.xact_bound);
  skip.date_folder = FormatDate(run_.run.started);
  skip.key.clear();
  SLUICE_ASSIGN_OR_RETURN(skip, run_.store.AddPendingExportFile(skip));
  skip.to = {skip.xact_bound, INT64_MAX};
  SLUICE_RETURN_IF_ERROR(run_.store.CommitExportFile(skip));
  file->from = skip.to;
  ++empty_windows_;
  return Status();
}

Result<bool> QueryFileWriter::Plan(store::ExportFile* file) {
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(file->xact_bound, WindowEnd(file->from));
    if (file->xact_bound == 0) return false;
    SLUICE_RETURN_IF_ERROR(RunWindow(file->from, file->xact_bound));
    if (rows_->rows() > 0) {
      planned_ = true;
      return true;
    }
    // Nothing matched in this window: the cursor moves past it with a record, no object.
    SLUICE_RETURN_IF_ERROR(SkipEmptyWindow(file));
  }
}

Result<FileContent> QueryFileWriter::Write(const store::ExportFile& file,
                                           format::RowWriter& writer) {
  if (!planned_) {  // a pending file of an interrupted run: the same window again
    SLUICE_RETURN_IF_ERROR(RunWindow(file.from, file.xact_bound));
  }
  planned_ = false;
  SLUICE_RETURN_IF_ERROR(rows_->WriteTo(writer));
  FileContent content;
  content.to = {file.xact_bound, INT64_MAX};
  content.reached_end = file.xact_bound >= run_.bound;
  return content;
}

void QueryFileWriter::RecordStats(Json& stats) const {
  stats.Set("empty_windows", Json::Int(empty_windows_));
}

}  // namespace sluice::jobs
