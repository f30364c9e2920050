#include "jobs/export_run.h"

#include "format/parquet/parquet_writer.h"
#include "format/writer_factory.h"
#include "jobs/export_planner.h"
#include "jobs/query_file_writer.h"
#include "jobs/span_file_writer.h"
#include "jobs/trace_file_writer.h"
#include "jobs/upload_sink.h"

namespace sluice::jobs {
namespace {

std::unique_ptr<DefinitionWriter> NewDefinitionWriter(ExportRunContext& run,
                                                      const ExportRunnerOptions& options) {
  switch (run.config.definition) {
    case ExportDefinition::kLogSpans: return std::make_unique<SpanFileWriter>(run);
    case ExportDefinition::kLogTraces: return std::make_unique<TraceFileWriter>(run);
    case ExportDefinition::kBtqlQuery:
      return std::make_unique<QueryFileWriter>(run,
                                               std::make_unique<QueryFileRows>(options.spool_dir));
  }
  return nullptr;
}

}  // namespace

ExportRun::ExportRun(Services services, const model::Automation& automation,
                     const ExportConfig& config, const store::ExportState& state,
                     model::AutomationRun& run)
    : services_(services),
      context_{services.store, services.clock, automation, config, run, 0},
      run_(run),
      token_key_id_(state.token_key_id),
      cursor_before_(state.cursor),
      cursor_(state.cursor),
      manifest_(automation, config, destination_),
      definition_(NewDefinitionWriter(context_, services.options)) {}

Status ExportRun::CheckToken() {
  const model::Automation& a = context_.automation;
  SLUICE_ASSIGN_OR_RETURN(auto keys, services_.store.ListApiKeys(a.org_id));
  for (const model::ApiKey& k : keys) {
    if (k.id != token_key_id_) continue;
    if (k.revoked) {
      return PermissionDeniedError(
          "the service token this export reads with was revoked; register the automation again "
          "with POST /automation/cron and a valid token");
    }
    if (k.PermissionOn(a.project_id) < model::Permission::kRead) {
      return PermissionDeniedError(
          "the service token this export reads with has no read "
          "permission on project " +
          a.project_id);
    }
    return Status();
  }
  return PermissionDeniedError(
      "the service token this export reads with no longer exists; register the automation "
      "again with POST /automation/cron");
}

ExportRun::~ExportRun() = default;

Status ExportRun::Execute(std::vector<model::AutomationRun> stale) {
  SLUICE_RETURN_IF_ERROR(CheckToken());
  SLUICE_ASSIGN_OR_RETURN(destination_, services_.destinations.Open(context_.config));
  SLUICE_ASSIGN_OR_RETURN(context_.bound, services_.store.MaxXactId());
  for (model::AutomationRun& s : stale) SLUICE_RETURN_IF_ERROR(CloseStaleRun(std::move(s)));
  // A file planned by an interrupted run is redone first, under its key.
  SLUICE_ASSIGN_OR_RETURN(auto pending,
                          services_.store.FindPendingExportFile(context_.automation.id));
  if (pending) {
    run_.stats.Set("redone_key", Json::String(pending->key));
    SLUICE_RETURN_IF_ERROR(WriteAndCommit(*pending));
  }
  ExportPlanner planner(context_, *definition_, destination_);
  while (!figures_.caught_up && figures_.iterations < context_.config.max_iterations) {
    SLUICE_ASSIGN_OR_RETURN(auto file, planner.Next(&cursor_));
    if (!file) {
      figures_.caught_up = true;
      break;
    }
    SLUICE_RETURN_IF_ERROR(WriteAndCommit(*file));
  }
  return WriteManifest();
}

Status ExportRun::WriteAndCommit(store::ExportFile file) {
  Hook("planned");
  ++figures_.iterations;
  const ExportRunnerOptions& options = services_.options;
  SLUICE_ASSIGN_OR_RETURN(auto upload, destination_.store->NewWriter(file.key));
  UploadSink sink(*upload, options.upload_chunk_bytes, options.fault_hook);
  format::WriterOptions writer_options = WriterOptionsFor(context_.config);
  if (parquet_carry_ == nullptr) parquet_carry_ = std::make_unique<format::ParquetCarryOver>();
  writer_options.parquet_carry = parquet_carry_.get();
  SLUICE_ASSIGN_OR_RETURN(auto writer, format::NewRowWriter(writer_options, sink));
  Result<FileContent> content = definition_->Write(file, *writer);
  Status written = content.ok() ? writer->Finish() : content.status();
  if (!written.ok()) {
    (void)upload->Abort();
    return Status(written.code(), DescribeWriteFailure(destination_, written, file.key));
  }
  auto info = upload->Finish();
  if (!info.ok()) {
    return Status(info.status().code(),
                  DescribeWriteFailure(destination_, info.status(), file.key));
  }
  Hook("uploaded");
  file.to = content->to;
  file.rows = writer->stats().rows;
  file.bytes = sink.size();
  file.sha256 = sink.Sha256Hex();
  SLUICE_RETURN_IF_ERROR(services_.store.CommitExportFile(file));
  Hook("committed");
  cursor_ = file.to;
  figures_.rows += file.rows;
  figures_.bytes += file.bytes;
  figures_.caught_up = content->reached_end;
  definition_->Committed(*content);
  committed_.push_back(std::move(file));
  return Status();
}

Status ExportRun::WriteManifest() {
  if (committed_.empty()) return Status();
  SLUICE_RETURN_IF_ERROR(
      manifest_.Write(run_.id, run_.started, committed_, cursor_before_, cursor_));
  run_.stats.Set("manifest", Json::String(manifest_.Key(run_.id)));
  return Status();
}

Status ExportRun::CloseStaleRun(model::AutomationRun stale) {
  SLUICE_ASSIGN_OR_RETURN(auto files, services_.store.ListExportFiles(stale.id));
  if (!files.empty()) {
    SLUICE_RETURN_IF_ERROR(
        manifest_.Write(stale.id, stale.started, files, files.front().from, files.back().to));
    stale.stats.Set("manifest", Json::String(manifest_.Key(stale.id)));
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
  stale.finished = services_.clock.NowMicros();
  stale.error = "interrupted: the process stopped during this run; run " + run_.id +
                " redid its pending file and wrote the manifest of the files it had committed";
  return services_.store.SaveRun(stale);
}

void ExportRun::RecordStats() {
  Json& st = run_.stats;
  st.Set("rows", Json::Int(figures_.rows));
  st.Set("bytes", Json::Int(figures_.bytes));
  st.Set("files", Json::Int(static_cast<int64_t>(committed_.size())));
  st.Set("iterations", Json::Int(figures_.iterations));
  st.Set("cursor_before", CursorJson(cursor_before_));
  st.Set("cursor_after", CursorJson(cursor_));
  st.Set("xact_bound", Json::String(std::to_string(context_.bound)));
  Json keys = Json::Array();
  for (const store::ExportFile& f : committed_) keys.Push(Json::String(f.key));
  st.Set("keys", std::move(keys));
  st.Set("caught_up", Json::Bool(figures_.caught_up));
  definition_->RecordStats(st);
}

}  // namespace sluice::jobs
