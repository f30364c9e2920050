#include "api/import_handlers.h"

#include "api/request_body.h"
#include "common/catch_all.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "common/time_util.h"
#include "common/uuid.h"
#include "jobs/automation_config.h"

namespace sluice::api {

namespace {

// Finished jobs kept for their status; older ones are forgotten first.
constexpr size_t kFinishedJobsKept = 100;

}  // namespace

ImportHandlers::~ImportHandlers() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, job] : jobs_) job->cancel = true;
  for (auto& [id, job] : jobs_) {
    if (job->thread.joinable()) job->thread.join();
  }
}

std::string ImportHandlers::JobJson(Job& job) {
  std::lock_guard<std::mutex> lock(job.mu);
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Member("id", job.id).Member("project_id", job.project_id);
  w.Member("source", job.source).Member("status", job.state);
  w.Member("started", FormatRfc3339(job.started));
  w.Key("finished");
  if (job.finished > 0) {
    w.String(FormatRfc3339(job.finished));
  } else {
    w.Null();
  }
  const jobs::ImportProgress& p = job.progress;
  w.Member("files_total", p.files_total).Member("files_done", p.files_done);
  w.Member("rows", p.rows).Member("rows_filtered", p.rows_filtered).Member("bytes", p.bytes);
  if (job.restore) {
    w.Member("rows_present", p.rows_present).Member("policy_paused", job.paused_policy);
  }
  w.Key("current_file");
  p.current_file.empty() ? w.Null() : w.String(p.current_file);
  w.Key("error");
  job.error.empty() ? w.Null() : w.String(job.error);
  w.EndObject();
  return out;
}

void ImportHandlers::Run(Job& job, jobs::Destination source, jobs::ImportRequest request) {
  jobs::ImportRunner runner(store_, clock_, fault_hook_);
  auto progress = [&job](const jobs::ImportProgress& p) {
    std::lock_guard<std::mutex> lock(job.mu);
    job.progress = p;
  };
  Result<jobs::ImportProgress> done = InternalError("import not run");
  const Status crashed = CatchAll("import", [&] {
    done = runner.Run(*source.store, source.url, request, progress, &job.cancel);
  });
  if (!crashed.ok()) done = crashed;
  std::lock_guard<std::mutex> lock(job.mu);
  job.finished = clock_.NowMicros();
  if (done.ok()) {
    job.state = "success";
    job.progress = *done;
  } else {
    job.state = done.status().code() == StatusCode::kCancelled ? "cancelled" : "error";
    job.error = done.status().message();
    job.progress.current_file.clear();
    SLUICE_LOG_WARN("import {} stopped: {}", job.id, job.error);
  }
}

Result<ImportHandlers::Source> ImportHandlers::ExportSource(const model::Automation& a) {
  SLUICE_ASSIGN_OR_RETURN(jobs::ExportConfig config, jobs::StoredExportConfig(a));
  Source source;
  SLUICE_ASSIGN_OR_RETURN(source.destination, destinations_.Open(config));
  source.name = config.export_path;
  return source;
}

Status ImportHandlers::RequirePurged(const std::string& run_id, const model::Automation& policy) {
  SLUICE_ASSIGN_OR_RETURN(auto marks, store_.ListRetentionMarks(policy.id));
  const TimestampMicros now = clock_.NowMicros();
  for (const model::RetentionMark& m : marks) {
    if (m.run_id == run_id && m.state == model::MarkState::kActive && m.purge_after <= now) {
      // Its grace is over and only the purge is pending: made final now, so that what comes
      // back is what the archive holds.
      SLUICE_RETURN_IF_ERROR(retention_.PurgeDue().status());
      SLUICE_ASSIGN_OR_RETURN(marks, store_.ListRetentionMarks(policy.id));
      break;
    }
  }
  for (const model::RetentionMark& m : marks) {
    if (m.run_id == run_id && m.state == model::MarkState::kActive) {
      if (m.purge_after <= now) {
        return UnavailableError("retention run " + run_id +
                                " is being purged by another process: try again in a moment");
      }
      return FailedPreconditionError(
          "retention run " + run_id + " is still in its grace period (until " +
          FormatRfc3339(m.purge_after) + "): restore it instead (POST /automation/retention/" +
          policy.id + "/restore), which brings back exactly what it deleted");
    }
  }
  return Status();
}

Result<ImportHandlers::Source> ImportHandlers::ArchiveOfRun(const Caller& caller,
                                                            const std::string& run_id,
                                                            const ResolvedObject& target,
                                                            jobs::ImportRequest* request) {
  SLUICE_RETURN_IF_ERROR(CheckUuid(run_id, "retention_run_id"));
  SLUICE_ASSIGN_OR_RETURN(auto run, store_.GetRun(run_id));
  auto policy =
      run ? store_.GetAutomation(run->automation_id) : Result<model::Automation>(NotFoundError(""));
  if (!policy.ok() || policy->org_id != caller.key.org_id ||
      policy->type != model::AutomationType::kRetention) {
    return NotFoundError("retention run " + run_id + " not found");
  }
  SLUICE_RETURN_IF_ERROR(
      auth_.RequireProject(caller, policy->project_id, model::Permission::kRead, "reading its runs")
          .status());
  const Json* archive = run->stats.Find("archive");
  const Json* archive_id = archive ? archive->Find("automation_id") : nullptr;
  const Json* files = archive ? archive->Find("files") : nullptr;
  const Json* cutoff = run->stats.Find("cutoff");
  if (archive_id == nullptr || !archive_id->is_string() || files == nullptr || !files->is_array() ||
      cutoff == nullptr) {
    return FailedPreconditionError("retention run " + run_id +
                                   " has no archive: its policy did not archive first "
                                   "(archive_first), so nothing records where its rows went");
  }
  if (target.ref.type != model::ObjectType::kProjectLogs || target.ref.id != policy->project_id) {
    return InvalidArgumentError("retention run " + run_id + " deleted logs of project " +
                                policy->project_id + ": bring them back into that project's logs");
  }
  SLUICE_RETURN_IF_ERROR(RequirePurged(run_id, *policy));
  auto a = store_.GetAutomation(archive_id->string_value());
  if (!a.ok() || a->org_id != caller.key.org_id) {
    return FailedPreconditionError("the archive export " + archive_id->string_value() +
                                   " of retention run " + run_id +
                                   " no longer exists; import its files with export_path");
  }
  SLUICE_ASSIGN_OR_RETURN(Source source, ExportSource(*a));
  for (const Json& f : files->array()) {
    if (f.is_string()) request->selection.keys.push_back(f.string_value());
  }
  request->restore_created_before = cutoff->int_value();
  // As it stands, the policy's next run would delete the rows again (once the archive export
  // has written them anew): paused, as a restore pauses it.
  SLUICE_ASSIGN_OR_RETURN(auto cfg, jobs::StoredRetentionConfig(*policy));
  if (cfg.active) {
    model::Automation paused = *policy;
    paused.config.Set("status", Json::String("paused"));
    SLUICE_RETURN_IF_ERROR(store_.UpdateAutomation(paused));
    source.paused_policy = true;
  }
  return source;
}

Result<ImportHandlers::Source> ImportHandlers::SourceOf(const Caller& caller,
                                                        const SourceNames& names,
                                                        const ResolvedObject& target,
                                                        jobs::ImportRequest* request) {
  const auto& [automation_id, export_path, retention_run_id] = names;
  Source source;
  if (automation_id.has_value() + export_path.has_value() + retention_run_id.has_value() != 1) {
    return InvalidArgumentError(
        "send one of automation_id (an export automation: its destination, read with its "
        "identity), export_path (a file:/// directory) or retention_run_id (a retention run "
        "whose policy archives first: the archive files of what it deleted)");
  }
  if (retention_run_id) {
    SLUICE_ASSIGN_OR_RETURN(source, ArchiveOfRun(caller, *retention_run_id, target, request));
  } else if (automation_id) {
    SLUICE_RETURN_IF_ERROR(CheckUuid(*automation_id, "automation_id"));
    auto a = store_.GetAutomation(*automation_id);
    if (!a.ok() || a->org_id != caller.key.org_id) {
      return NotFoundError("automation " + *automation_id + " not found");
    }
    SLUICE_RETURN_IF_ERROR(
        auth_.RequireProject(caller, a->project_id, model::Permission::kRead, "reading its export")
            .status());
    SLUICE_ASSIGN_OR_RETURN(source, ExportSource(*a));
  } else {
    SLUICE_ASSIGN_OR_RETURN(cloud::StorageUrl url, cloud::ParseStorageUrl(*export_path));
    if (url.scheme != cloud::StorageUrl::Scheme::kFile) {
      return InvalidArgumentError(
          "export_path: only file:/// directories are read by path; for a bucket send the "
          "automation_id of the export that wrote it (its role is used to read)");
    }
    SLUICE_RETURN_IF_ERROR(auth_.RequireOrg(caller, model::Permission::kAdmin,
                                            "importing from the server's own disk"));
    jobs::ExportConfig config;
    config.export_path = *export_path;
    SLUICE_ASSIGN_OR_RETURN(source.destination, destinations_.Open(config));
    source.name = *export_path;
  }
  return source;
}

void ImportHandlers::ForgetOldJobs() {
  size_t finished = 0;
  for (auto it = jobs_.begin(); it != jobs_.end(); ++it) finished += it->second->finished > 0;
  for (auto it = jobs_.begin(); it != jobs_.end() && finished > kFinishedJobsKept;) {
    if (it->second->finished > 0 && it->second->thread.joinable()) {
      it->second->thread.join();
      it = jobs_.erase(it);
      --finished;
    } else {
      ++it;
    }
  }
}

Result<ApiResponse> ImportHandlers::Start(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(model::ObjectType type, model::ParseObjectType(r.path_params[0]));
  SLUICE_ASSIGN_OR_RETURN(
      auto target, auth_.RequireObject(caller, {type, r.path_params[1]}, model::Permission::kWrite,
                                       "importing into it"));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseBodyObject(r.body));
  SourceNames names;
  SLUICE_ASSIGN_OR_RETURN(names.automation_id, OptionalString(body, "automation_id"));
  SLUICE_ASSIGN_OR_RETURN(names.export_path, OptionalString(body, "export_path"));
  jobs::ImportRequest request;
  request.target = {target.ref, target.project.org_id, target.project.id};
  SLUICE_ASSIGN_OR_RETURN(auto from, OptionalString(body, "from"));
  SLUICE_ASSIGN_OR_RETURN(auto to, OptionalString(body, "to"));
  SLUICE_ASSIGN_OR_RETURN(auto filter, OptionalString(body, "filter"));
  request.selection.from_date = from.value_or("");
  request.selection.to_date = to.value_or("");
  request.filter = filter.value_or("");
  SLUICE_RETURN_IF_ERROR(jobs::CheckImportSelection(request.selection));
  if (!request.filter.empty()) {
    SLUICE_RETURN_IF_ERROR(jobs::CheckFilter("filter", request.filter, target.ref));
  }
  SLUICE_ASSIGN_OR_RETURN(names.retention_run_id, OptionalString(body, "retention_run_id"));
  SLUICE_ASSIGN_OR_RETURN(Source source, SourceOf(caller, names, target, &request));
  auto job = std::make_shared<Job>();
  job->id = NewUuid();
  job->org_id = caller.key.org_id;
  job->project_id = target.project.id;
  job->source = source.name;
  job->restore = request.restore_created_before.has_value();
  job->paused_policy = source.paused_policy;
  job->started = clock_.NowMicros();
  Job* raw = job.get();
  std::lock_guard<std::mutex> lock(mu_);
  ForgetOldJobs();
  jobs_[raw->id] = job;
  raw->thread = std::thread(
      [this, job, src = std::move(source.destination), request]() { Run(*job, src, request); });
  ApiResponse resp = ApiResponse::Json(JobJson(*raw), 202);
  return resp;
}

Result<ApiResponse> ImportHandlers::GetJob(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  std::shared_ptr<Job> job;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(r.path_params[0]);
    if (it != jobs_.end() && it->second->org_id == caller.key.org_id) job = it->second;
  }
  if (job == nullptr) {
    return NotFoundError("import " + r.path_params[0] +
                         " not found (imports are kept by the process that ran them until it "
                         "restarts)");
  }
  SLUICE_RETURN_IF_ERROR(
      auth_.RequireProject(caller, job->project_id, model::Permission::kRead, "viewing it")
          .status());
  return ApiResponse::Json(JobJson(*job));
}

}  // namespace sluice::api
