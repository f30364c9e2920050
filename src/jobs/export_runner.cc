#include "jobs/export_runner.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <unordered_set>

#include "cloud/storage_failure.h"
#include "common/crypto.h"
#include "common/json.h"
#include "common/log.h"
#include "common/time_util.h"
#include "common/uuid.h"
#include "format/schemas.h"
#include "format/writer_factory.h"
#include "jobs/event_prefetcher.h"
#include "jobs/export_rows.h"
#include "jobs/upload_sink.h"
#include "query/parser.h"

namespace sluice::jobs {
namespace {

constexpr size_t kEventBatch = 1000;
constexpr size_t kRootsPerLookup = 500;
// A trace whose newest span is dated this far in the future (a client clock off) is exported
// as it is instead of holding the export back until that time.
constexpr TimestampMicros kFutureSkewMicros = 3600LL * 1'000'000;

Json CursorJson(const model::XactCursor& c) {
  Json j = Json::Object();
  j.Set("xact_id", Json::String(std::to_string(c.xact_id)));
  j.Set("row_key", Json::Int(c.row_key));
  return j;
}

// "export_007.parquet"; past 999 the number widens.
std::string FileName(int64_t sequence, const std::string& extension) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%03lld", static_cast<long long>(sequence));
  return std::string("export_") + digits + extension;
}

format::WriterOptions WriterOptionsFor(const ExportConfig& c) {
  format::WriterOptions o;
  o.format = c.format == ExportFormat::kParquet ? format::FileFormat::kParquet
                                                : format::FileFormat::kJsonl;
  o.compression = format::DefaultCompression(o.format);
  return o;
}

// What the rows of one file came to.
struct FileContent {
  model::XactCursor to;
  bool reached_end = false;  // nothing more to export below the bound (for now)
  int64_t waiting_traces = 0;
  int64_t incomplete_traces = 0;
};

}  // namespace

// One run of one export automation.
class ExportRunner::RunState {
 public:
  RunState(ExportRunner& runner, const model::Automation& automation, ExportConfig config,
           store::ExportState state, model::AutomationRun& run)
      : r_(runner),
        a_(automation),
        c_(std::move(config)),
        cursor_(state.cursor),
        token_key_id_(std::move(state.token_key_id)),
        run_(run),
        logs_{model::ObjectType::kProjectLogs, automation.project_id} {}

  Status Execute();
  void RecordStats();
  void set_stale_runs(std::vector<model::AutomationRun> runs) { stale_ = std::move(runs); }

 private:
  Status CheckToken();
  Status CheckObject(const model::ObjectRef& object);
  Result<std::optional<store::ExportFile>> PlanFile();
  Status WriteAndCommit(store::ExportFile file);
  // The logs rows of a file: after its start, up to its bound, in export order.
  model::ScanRequest FileScan(const store::ExportFile& file) const {
    model::ScanRequest scan;
    scan.object = logs_;
    scan.after = file.from;
    scan.max_xact_id = file.xact_bound;
    return scan;
  }
  Result<FileContent> WriteRows(const store::ExportFile& file, format::RowWriter& writer);
  Result<FileContent> WriteSpans(const store::ExportFile& file, format::RowWriter& writer);
  Result<FileContent> WriteTraces(const store::ExportFile& file, format::RowWriter& writer);
  Result<FileContent> WriteQuery(const store::ExportFile& file, format::RowWriter& writer);
  Result<bool> TraceIdle(const std::string& root_span_id, uint64_t bound);
  Result<std::map<std::string, std::vector<model::Event>>> LoadTraces(
      const std::vector<std::string>& roots, uint64_t bound);
  // Btql windows: the end (_xact_id) of the window after the cursor; 0 when empty.
  Result<uint64_t> QueryWindowEnd(bool* reached_end);
  using QueryRows = std::pair<format::Schema, std::vector<format::Row>>;
  // The custom query's output over the rows after `from` with _xact_id <= window_end.
  Result<QueryRows> RunCustomQuery(model::XactCursor from, uint64_t window_end);
  // Records a window whose query output is empty and moves the cursor past it.
  Status SkipEmptyWindow(store::ExportFile file);
  Status WriteManifest();
  // Writes the manifest of a run that a stopped process left running (the files it committed)
  // and closes it in the history.
  Status CloseStaleRun(model::AutomationRun stale);
  Status PutManifest(const std::string& run_id, TimestampMicros started,
                     const std::vector<store::ExportFile>& files, model::XactCursor before,
                     model::XactCursor after);
  std::string DescribeFailure(const Status& s, const std::string& key) const;
  void Hook(std::string_view point) {
    if (r_.options_.fault_hook) r_.options_.fault_hook(point);
  }

  ExportRunner& r_;
  const model::Automation& a_;
  const ExportConfig c_;
  model::XactCursor cursor_;
  const model::XactCursor cursor_before_ = cursor_;
  const std::string token_key_id_;
  model::AutomationRun& run_;
  const model::ObjectRef logs_;
  Destination dest_;
  uint64_t bound_ = 0;
  std::vector<store::ExportFile> committed_;
  int64_t rows_ = 0, bytes_ = 0, iterations_ = 0, waiting_traces_ = 0, incomplete_traces_ = 0;
  bool caught_up_ = false;
  int64_t empty_windows_ = 0;
  QueryRows query_rows_;  // the planned file's rows (custom queries)
  std::vector<model::AutomationRun> stale_;
};

Status ExportRunner::RunState::CheckToken() {
  SLUICE_ASSIGN_OR_RETURN(auto keys, r_.store_.ListApiKeys(a_.org_id));
  for (const model::ApiKey& k : keys) {
    if (k.id != token_key_id_) continue;
    if (k.revoked) {
      return PermissionDeniedError(
          "the service token this export reads with was revoked; register the automation again "
          "with POST /automation/cron and a valid token");
    }
    if (k.PermissionOn(a_.project_id) < model::Permission::kRead) {
      return PermissionDeniedError(
          "the service token this export reads with has no read "
          "permission on project " +
          a_.project_id);
    }
    return Status();
  }
  return PermissionDeniedError(
      "the service token this export reads with no longer exists; register the automation "
      "again with POST /automation/cron");
}

// A custom query may read only objects of the automation's project.
Status ExportRunner::RunState::CheckObject(const model::ObjectRef& object) {
  std::string project_id;
  if (object.type == model::ObjectType::kProjectLogs) {
    project_id = object.id;
  } else if (object.type == model::ObjectType::kExperiment) {
    auto e = r_.store_.GetExperiment(object.id);
    if (e.ok()) project_id = e->project_id;
  } else if (object.type == model::ObjectType::kDataset) {
    auto d = r_.store_.GetDataset(object.id);
    if (d.ok()) project_id = d->project_id;
  }
  if (project_id != a_.project_id) {
    return PermissionDeniedError(std::string(model::ObjectTypeName(object.type)) + " " + object.id +
                                 " is not in project " + a_.project_id);
  }
  return Status();
}

Status ExportRunner::RunState::Execute() {
  SLUICE_RETURN_IF_ERROR(CheckToken());
  SLUICE_ASSIGN_OR_RETURN(dest_, r_.destinations_.Open(c_));
  SLUICE_ASSIGN_OR_RETURN(bound_, r_.store_.MaxXactId());
  for (model::AutomationRun& stale : stale_)
    SLUICE_RETURN_IF_ERROR(CloseStaleRun(std::move(stale)));
  // A file planned by an interrupted run is redone first, under its key.
  SLUICE_ASSIGN_OR_RETURN(auto pending, r_.store_.FindPendingExportFile(a_.id));
  if (pending) {
    run_.stats.Set("redone_key", Json::String(pending->key));
    SLUICE_RETURN_IF_ERROR(WriteAndCommit(*pending));
  }
  while (!caught_up_ && iterations_ < c_.max_iterations) {
    SLUICE_ASSIGN_OR_RETURN(auto file, PlanFile());
    if (!file) {
      caught_up_ = true;
      break;
    }
    SLUICE_RETURN_IF_ERROR(WriteAndCommit(*file));
  }
  return WriteManifest();
}

Result<std::optional<store::ExportFile>> ExportRunner::RunState::PlanFile() {
  store::ExportFile file;
  file.automation_id = a_.id;
  file.run_id = run_.id;
  file.from = cursor_;
  file.xact_bound = bound_;
  file.row_limit = c_.batch_size;
  file.created = r_.clock_.NowMicros();
  if (c_.definition == ExportDefinition::kBtqlQuery) {
    while (true) {
      bool reached_end = false;
      file.from = cursor_;
      SLUICE_ASSIGN_OR_RETURN(file.xact_bound, QueryWindowEnd(&reached_end));
      if (file.xact_bound == 0) return std::optional<store::ExportFile>();
      SLUICE_ASSIGN_OR_RETURN(query_rows_, RunCustomQuery(file.from, file.xact_bound));
      if (!query_rows_.second.empty()) break;
      // Nothing matched in this window: the cursor moves past it with a record, no object.
      SLUICE_RETURN_IF_ERROR(SkipEmptyWindow(file));
    }
  } else {
    model::ScanRequest peek;
    peek.object = logs_;
    peek.after = cursor_;
    peek.max_xact_id = bound_;
    peek.limit = 1;
    SLUICE_ASSIGN_OR_RETURN(auto stream, r_.store_.Scan(peek));
    model::Event first;
    SLUICE_ASSIGN_OR_RETURN(bool any, stream->Next(&first));
    if (!any) return std::optional<store::ExportFile>();
    if (c_.definition == ExportDefinition::kLogTraces) {
      SLUICE_ASSIGN_OR_RETURN(bool idle, TraceIdle(first.root_span_id, bound_));
      if (!idle) {
        waiting_traces_ = std::max<int64_t>(waiting_traces_, 1);
        return std::optional<store::ExportFile>();
      }
    }
  }
  file.date_folder = FormatDate(run_.started);
  SLUICE_ASSIGN_OR_RETURN(file.sequence, r_.store_.NextExportSequence(a_.id, file.date_folder));
  const std::string folder = c_.hive_layout ? "date=" + file.date_folder : file.date_folder;
  const auto options = WriterOptionsFor(c_);
  file.key = dest_.url.Join(
      folder + "/" +
      FileName(file.sequence, format::FileExtension(options.format, options.compression)));
  SLUICE_ASSIGN_OR_RETURN(store::ExportFile recorded, r_.store_.AddPendingExportFile(file));
  return std::optional<store::ExportFile>(std::move(recorded));
}

Status ExportRunner::RunState::WriteAndCommit(store::ExportFile file) {
  Hook("planned");
  ++iterations_;
  SLUICE_ASSIGN_OR_RETURN(auto upload, dest_.store->NewWriter(file.key));
  UploadSink sink(*upload, r_.options_.upload_chunk_bytes, r_.options_.fault_hook);
  SLUICE_ASSIGN_OR_RETURN(auto writer, format::NewRowWriter(WriterOptionsFor(c_), sink));
  Result<FileContent> content = WriteRows(file, *writer);
  Status written = content.ok() ? writer->Finish() : content.status();
  if (!written.ok()) {
    (void)upload->Abort();
    return Status(written.code(), DescribeFailure(written, file.key));
  }
  auto info = upload->Finish();
  if (!info.ok()) return Status(info.status().code(), DescribeFailure(info.status(), file.key));
  Hook("uploaded");
  file.to = content->to;
  file.rows = writer->stats().rows;
  file.bytes = sink.size();
  file.sha256 = sink.Sha256Hex();
  SLUICE_RETURN_IF_ERROR(r_.store_.CommitExportFile(file));
  Hook("committed");
  cursor_ = file.to;
  rows_ += file.rows;
  bytes_ += file.bytes;
  waiting_traces_ = std::max(waiting_traces_, content->waiting_traces);
  incomplete_traces_ += content->incomplete_traces;
  caught_up_ = content->reached_end;
  committed_.push_back(std::move(file));
  return Status();
}

Result<FileContent> ExportRunner::RunState::WriteRows(const store::ExportFile& file,
                                                      format::RowWriter& writer) {
  switch (c_.definition) {
    case ExportDefinition::kLogSpans: return WriteSpans(file, writer);
    case ExportDefinition::kLogTraces: return WriteTraces(file, writer);
    case ExportDefinition::kBtqlQuery: return WriteQuery(file, writer);
  }
  return InternalError("unknown export definition");
}

Result<FileContent> ExportRunner::RunState::WriteSpans(const store::ExportFile& file,
                                                       format::RowWriter& writer) {
  SLUICE_RETURN_IF_ERROR(writer.Begin(format::SpanSchema()));
  model::ScanRequest scan = FileScan(file);
  scan.limit = file.row_limit;
  SLUICE_ASSIGN_OR_RETURN(auto stream, r_.store_.Scan(scan));
  // The store reads the next batch while this thread encodes the current one.
  EventPrefetcher prefetch(std::move(stream), kEventBatch);
  FileContent content;
  content.to = file.from;
  int64_t total = 0;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(std::vector<model::Event> * batch, prefetch.Next());
    if (batch->empty()) break;
    SLUICE_RETURN_IF_ERROR(writer.WriteEvents(*batch));
    content.to = {batch->back().xact_id, batch->back().row_key};
    total += static_cast<int64_t>(batch->size());
  }
  content.reached_end = total < file.row_limit;
  return content;
}

Result<bool> ExportRunner::RunState::TraceIdle(const std::string& root_span_id, uint64_t bound) {
  SLUICE_ASSIGN_OR_RETURN(auto traces, LoadTraces({root_span_id}, bound));
  TimestampMicros newest = 0;
  for (const model::Event& e : traces[root_span_id]) newest = std::max(newest, e.created);
  const TimestampMicros idle_before = run_.started - c_.trace_idle_seconds * 1'000'000;
  return newest <= idle_before || newest > run_.started + kFutureSkewMicros;
}

Result<std::map<std::string, std::vector<model::Event>>> ExportRunner::RunState::LoadTraces(
    const std::vector<std::string>& roots, uint64_t bound) {
  std::map<std::string, std::vector<model::Event>> out;
  model::ScanRequest scan;
  scan.object = logs_;
  scan.max_xact_id = bound;
  scan.root_span_ids = roots;
  SLUICE_ASSIGN_OR_RETURN(auto stream, r_.store_.Scan(scan));
  model::Event e;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(bool more, stream->Next(&e));
    if (!more) break;
    out[e.root_span_id].push_back(e);
  }
  return out;
}

// Reads spans after the file's start in (_xact_id, row_key) order and exports each trace they
// touch, as of the bound, once it has been idle for trace_idle_seconds. The file ends before the
// first span of a trace that is still active (it is exported by a later run) or when row_limit
// traces are in it.
Result<FileContent> ExportRunner::RunState::WriteTraces(const store::ExportFile& file,
                                                        format::RowWriter& writer) {
  SLUICE_RETURN_IF_ERROR(writer.Begin(format::TraceSchema()));
  SLUICE_ASSIGN_OR_RETURN(auto stream, r_.store_.Scan(FileScan(file)));
  FileContent content;
  content.to = file.from;
  std::unordered_set<std::string> included;
  std::optional<model::Event> held;  // the span that opened the next chunk
  const TimestampMicros idle_before = run_.started - c_.trace_idle_seconds * 1'000'000;
  while (true) {
    // A chunk: new roots in order of first appearance, each with the cursor before it.
    std::vector<std::pair<std::string, model::XactCursor>> chunk;
    std::unordered_set<std::string> in_chunk;
    model::XactCursor consumed = content.to;
    bool stream_end = false;
    while (true) {
      model::Event e;
      if (held) {
        e = std::move(*held);
        held.reset();
      } else {
        SLUICE_ASSIGN_OR_RETURN(bool more, stream->Next(&e));
        if (!more) {
          stream_end = true;
          break;
        }
      }
      if (!included.contains(e.root_span_id) && !in_chunk.contains(e.root_span_id)) {
        const bool full = static_cast<int64_t>(included.size() + chunk.size()) >= file.row_limit;
        if (chunk.size() >= kRootsPerLookup || full) {
          held = std::move(e);
          break;
        }
        chunk.emplace_back(e.root_span_id, consumed);
        in_chunk.insert(e.root_span_id);
      }
      consumed = {e.xact_id, e.row_key};
    }
    std::vector<std::string> roots;
    for (const auto& [root, before] : chunk) roots.push_back(root);
    SLUICE_ASSIGN_OR_RETURN(auto traces, LoadTraces(roots, file.xact_bound));
    std::vector<format::Row> rows;
    for (const auto& [root, before] : chunk) {
      const std::vector<model::Event>& spans = traces[root];
      TimestampMicros newest = 0;
      for (const model::Event& s : spans) newest = std::max(newest, s.created);
      const bool idle = newest <= idle_before || newest > run_.started + kFutureSkewMicros;
      if (!idle) {
        // Stop before this trace: it and everything after wait for a later run.
        SLUICE_RETURN_IF_ERROR(writer.WriteRows(rows));
        content.to = before;
        content.reached_end = true;
        content.waiting_traces = 1;
        return content;
      }
      included.insert(root);
      auto trace = query::BuildTrace(spans);
      if (!trace) {
        ++content.incomplete_traces;
        continue;
      }
      rows.push_back(TraceToRow(*trace));
    }
    SLUICE_RETURN_IF_ERROR(writer.WriteRows(rows));
    content.to = consumed;
    if (stream_end) {
      content.reached_end = true;
      return content;
    }
    if (static_cast<int64_t>(included.size()) >= file.row_limit) return content;
  }
}

Result<uint64_t> ExportRunner::RunState::QueryWindowEnd(bool* reached_end) {
  SLUICE_ASSIGN_OR_RETURN(query::Query q, query::ParseQuery(c_.btql_query));
  model::ScanRequest scan;
  scan.object = q.source.object;
  scan.after = cursor_;
  scan.max_xact_id = bound_;
  scan.limit = c_.batch_size;
  SLUICE_ASSIGN_OR_RETURN(auto stream, r_.store_.Scan(scan));
  model::Event e;
  int64_t n = 0;
  uint64_t last = 0;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(bool more, stream->Next(&e));
    if (!more) break;
    ++n;
    last = e.xact_id;
  }
  if (n == 0) return uint64_t{0};
  *reached_end = n < c_.batch_size;
  return *reached_end ? bound_ : last;
}

// A custom query over the rows of the window (file.from, file.xact_bound]: its output rows, all
// of them, make the file; the schema is inferred from their values.
auto ExportRunner::RunState::RunCustomQuery(model::XactCursor from, uint64_t window_end)
    -> Result<QueryRows> {
  SLUICE_ASSIGN_OR_RETURN(query::Query q, query::ParseQuery(c_.btql_query));
  SLUICE_RETURN_IF_ERROR(CheckObject(q.source.object));
  WindowedSource window(r_.store_, from, window_end);
  query::QueryContext ctx;
  ctx.clock = &r_.clock_;
  ctx.max_xact_id = window_end;
  ctx.default_limit = INT64_MAX;
  ctx.check_permission = [this](const model::ObjectRef& o) { return CheckObject(o); };
  QueryRowCollector collector;
  SLUICE_RETURN_IF_ERROR(query::RunParsedQuery(q, ctx, window, collector).status());
  return collector.Take();
}

Status ExportRunner::RunState::SkipEmptyWindow(store::ExportFile file) {
  // Negative sequences never collide with file numbers: one per window end.
  file.sequence = -static_cast<int64_t>(file.xact_bound);
  file.date_folder = FormatDate(run_.started);
  file.key.clear();
  SLUICE_ASSIGN_OR_RETURN(file, r_.store_.AddPendingExportFile(file));
  file.to = {file.xact_bound, INT64_MAX};
  SLUICE_RETURN_IF_ERROR(r_.store_.CommitExportFile(file));
  cursor_ = file.to;
  ++empty_windows_;
  return Status();
}

Result<FileContent> ExportRunner::RunState::WriteQuery(const store::ExportFile& file,
                                                       format::RowWriter& writer) {
  QueryRows rows;
  if (!query_rows_.first.columns.empty()) {
    rows = std::move(query_rows_);
    query_rows_ = {};
  } else {  // a pending file of an interrupted run: the same window again
    SLUICE_ASSIGN_OR_RETURN(rows, RunCustomQuery(file.from, file.xact_bound));
  }
  auto& [schema, values] = rows;
  if (schema.columns.empty()) schema = format::InferSchema({"_xact_id"}, {});
  SLUICE_RETURN_IF_ERROR(writer.Begin(schema));
  SLUICE_RETURN_IF_ERROR(writer.WriteRows(values));
  FileContent content;
  content.to = {file.xact_bound, INT64_MAX};
  content.reached_end = file.xact_bound >= bound_;
  return content;
}

Status ExportRunner::RunState::WriteManifest() {
  if (committed_.empty()) return Status();
  SLUICE_RETURN_IF_ERROR(PutManifest(run_.id, run_.started, committed_, cursor_before_, cursor_));
  run_.stats.Set("manifest",
                 Json::String(dest_.url.Join("_sluice/manifests/" + run_.id + ".json")));
  return Status();
}

Status ExportRunner::RunState::CloseStaleRun(model::AutomationRun stale) {
  SLUICE_ASSIGN_OR_RETURN(auto files, r_.store_.ListExportFiles(stale.id));
  if (!files.empty()) {
    SLUICE_RETURN_IF_ERROR(
        PutManifest(stale.id, stale.started, files, files.front().from, files.back().to));
    stale.stats.Set("manifest",
                    Json::String(dest_.url.Join("_sluice/manifests/" + stale.id + ".json")));
  }
  int64_t rows = 0, bytes = 0;
  for (const store::ExportFile& f : files) {
    rows += f.rows;
    bytes += f.bytes;
  }
  stale.stats.Set("rows", Json::Int(rows));
  stale.stats.Set("bytes", Json::Int(bytes));
  stale.stats.Set("files", Json::Int(static_cast<int64_t>(files.size())));
  stale.status = model::RunStatus::kError;
  stale.finished = r_.clock_.NowMicros();
  stale.error = "interrupted: the process stopped during this run; run " + run_.id +
                " redid its pending file and wrote the manifest of the files it had committed";
  return r_.store_.SaveRun(stale);
}

Status ExportRunner::RunState::PutManifest(const std::string& run_id, TimestampMicros started,
                                           const std::vector<store::ExportFile>& committed,
                                           model::XactCursor before, model::XactCursor after) {
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
  m.Set("automation_id", Json::String(a_.id));
  m.Set("export_path", Json::String(c_.export_path));
  m.Set("started", Json::String(FormatRfc3339(started)));
  m.Set("cursor_before", CursorJson(before));
  m.Set("cursor_after", CursorJson(after));
  m.Set("rows", Json::Int(rows));
  m.Set("bytes", Json::Int(bytes));
  m.Set("files", std::move(files));
  const std::string key = dest_.url.Join("_sluice/manifests/" + run_id + ".json");
  const Status s = dest_.store->Put(key, m.ToString() + "\n");
  if (!s.ok()) return Status(s.code(), DescribeFailure(s, key));
  return Status();
}

std::string ExportRunner::RunState::DescribeFailure(const Status& s, const std::string& key) const {
  if (dest_.store == nullptr || dest_.url.scheme == cloud::StorageUrl::Scheme::kFile) {
    return "writing " + (dest_.store ? dest_.store->Describe(key) : key) +
           " failed: " + s.message();
  }
  // A missing bucket or container, what to grant to whom, or which credentials to check, in
  // the words of the destination's cloud.
  return cloud::ExplainStorageFailure(s, cloud::StorageAction::kWrite, dest_, key);
}

void ExportRunner::RunState::RecordStats() {
  Json& st = run_.stats;
  st.Set("rows", Json::Int(rows_));
  st.Set("bytes", Json::Int(bytes_));
  st.Set("files", Json::Int(static_cast<int64_t>(committed_.size())));
  st.Set("iterations", Json::Int(iterations_));
  st.Set("cursor_before", CursorJson(cursor_before_));
  st.Set("cursor_after", CursorJson(cursor_));
  st.Set("xact_bound", Json::String(std::to_string(bound_)));
  Json keys = Json::Array();
  for (const store::ExportFile& f : committed_) keys.Push(Json::String(f.key));
  st.Set("keys", std::move(keys));
  st.Set("caught_up", Json::Bool(caught_up_));
  if (c_.definition == ExportDefinition::kBtqlQuery) {
    st.Set("empty_windows", Json::Int(empty_windows_));
  }
  if (c_.definition == ExportDefinition::kLogTraces) {
    st.Set("traces_waiting_idle", Json::Bool(waiting_traces_ > 0));
    st.Set("incomplete_traces", Json::Int(incomplete_traces_));
  }
}

ExportRunner::ExportRunner(store::Store& store, Clock& clock, DestinationProvider& destinations,
                           ExportRunnerOptions options)
    : store_(store), clock_(clock), destinations_(destinations), options_(std::move(options)) {}

bool ExportRunner::Running(const std::string& automation_id) {
  std::lock_guard<std::mutex> lock(mu_);
  return running_.contains(automation_id);
}

// Releases the lease before the slot: a run of this process that takes the slot next must not
// find the lease still "its own" and then lose it to this destructor.
class ExportRunner::Exclusive {
 public:
  Exclusive(ExportRunner& runner, std::string id) : runner_(runner), id_(std::move(id)) {}
  ~Exclusive() {
    lease_.reset();
    std::lock_guard<std::mutex> lock(runner_.mu_);
    runner_.running_.erase(id_);
  }
  std::optional<RunLease>& lease() { return lease_; }

 private:
  ExportRunner& runner_;
  const std::string id_;
  std::optional<RunLease> lease_;
};

Result<std::unique_ptr<ExportRunner::Exclusive>> ExportRunner::Exclude(
    const std::string& automation_id, const std::string& held_elsewhere) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!running_.insert(automation_id).second) return AbortedError(kRunInProgressMessage);
  }
  auto held = std::make_unique<Exclusive>(*this, automation_id);
  held->lease().emplace(store_, clock_, "export:" + automation_id, options_.lease);
  SLUICE_ASSIGN_OR_RETURN(bool taken, held->lease()->Acquire());
  if (!taken) return AbortedError(held_elsewhere);
  return held;
}

Status ExportRunner::Reset(const std::string& automation_id) {
  SLUICE_ASSIGN_OR_RETURN(auto held, Exclude(automation_id, std::string(kRunInProgressMessage) +
                                                                " in another sluice process"));
  return store_.ResetExport(automation_id);
}

Result<model::AutomationRun> ExportRunner::Run(const model::Automation& automation,
                                               model::RunTrigger trigger,
                                               std::optional<TimestampMicros> due_at) {
  SLUICE_ASSIGN_OR_RETURN(ExportConfig config, StoredExportConfig(automation));
  SLUICE_ASSIGN_OR_RETURN(auto state, store_.GetExportState(automation.id));
  if (!state) return FailedPreconditionError(kNotRegisteredMessage);
  SLUICE_ASSIGN_OR_RETURN(auto held, Exclude(automation.id, kRunInProgressMessage));
  if (due_at) {
    // Read the history again under the lease: another process may just have run it.
    SLUICE_ASSIGN_OR_RETURN(auto next, NextRunTimeImpl(automation, true));
    if (!next || *next > *due_at) {
      return AbortedError("automation " + automation.id + " is not due");
    }
  }

  // Runs left "running" by a process that stopped are closed by this run (after their
  // manifest is written).
  SLUICE_ASSIGN_OR_RETURN(auto recent, store_.ListRuns(automation.id, 5, ""));
  std::vector<model::AutomationRun> stale;
  for (const model::AutomationRun& r : recent) {
    if (r.status == model::RunStatus::kRunning) stale.push_back(r);
  }

  model::AutomationRun run;
  run.id = NewUuid();
  run.automation_id = automation.id;
  run.trigger = trigger;
  run.status = model::RunStatus::kRunning;
  run.started = clock_.NowMicros();
  SLUICE_RETURN_IF_ERROR(store_.SaveRun(run));

  RunState state_run(*this, automation, std::move(config), std::move(*state), run);
  state_run.set_stale_runs(std::move(stale));
  const Status s = state_run.Execute();
  state_run.RecordStats();
  run.finished = clock_.NowMicros();
  if (!s.ok()) {
    run.status = model::RunStatus::kError;
    run.error = s.message();
    SLUICE_LOG_WARN("export {} run {} failed: {}", automation.id, run.id, s.message());
  } else if (!run.stats.Find("caught_up")->bool_value()) {
    run.status = model::RunStatus::kWarning;
    run.error = kMaxIterationsWarning;
  } else {
    run.status = model::RunStatus::kSuccess;
  }
  SLUICE_RETURN_IF_ERROR(store_.SaveRun(run));
  return run;
}

Result<std::optional<TimestampMicros>> ExportRunner::NextRunTime(
    const model::Automation& automation) {
  return NextRunTimeImpl(automation, false);
}

Result<std::optional<TimestampMicros>> ExportRunner::NextRunTimeImpl(
    const model::Automation& automation, bool leased) {
  SLUICE_ASSIGN_OR_RETURN(ExportConfig config, StoredExportConfig(automation));
  if (!config.active) return std::optional<TimestampMicros>();
  SLUICE_ASSIGN_OR_RETURN(auto state, store_.GetExportState(automation.id));
  if (!state) return std::optional<TimestampMicros>();
  SLUICE_ASSIGN_OR_RETURN(auto last, store_.ListRuns(automation.id, 1, ""));
  if (last.empty()) return std::optional<TimestampMicros>(state->registered);
  const model::AutomationRun& run = last[0];
  if (run.status == model::RunStatus::kWarning) {
    return std::optional<TimestampMicros>(run.finished.value_or(run.started));
  }
  if (run.status == model::RunStatus::kRunning && (leased || !Running(automation.id))) {
    // Left running by a process that stopped: the next run redoes its pending file at once.
    return std::optional<TimestampMicros>(run.started);
  }
  return std::optional<TimestampMicros>(run.started + config.interval_seconds * 1'000'000);
}

Result<ExportStatus> ExportRunner::GetStatus(const model::Automation& automation) {
  SLUICE_ASSIGN_OR_RETURN(ExportConfig config, StoredExportConfig(automation));
  SLUICE_ASSIGN_OR_RETURN(auto state, store_.GetExportState(automation.id));
  if (!state) return FailedPreconditionError(kNotRegisteredMessage);
  ExportStatus out;
  out.state = *state;
  SLUICE_ASSIGN_OR_RETURN(auto last, store_.ListRuns(automation.id, 1, ""));
  if (!last.empty()) out.last_run = last[0];
  SLUICE_ASSIGN_OR_RETURN(auto next, NextRunTime(automation));
  out.next_run = next.value_or(0);
  model::ScanRequest scan;
  SLUICE_ASSIGN_OR_RETURN(scan.object, ExportSource(config, automation.project_id));
  scan.after = state->cursor;
  scan.limit = options_.backlog_count_limit;
  SLUICE_ASSIGN_OR_RETURN(out.backlog_rows, store_.CountRows(scan));
  out.backlog_capped = out.backlog_rows >= options_.backlog_count_limit;
  return out;
}

}  // namespace sluice::jobs
