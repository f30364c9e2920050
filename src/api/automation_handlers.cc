#include "api/automation_handlers.h"

#include <algorithm>
#include <set>

#include "api/request_body.h"
#include "cloud/probe.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "common/time_util.h"
#include "common/uuid.h"
#include "jobs/automation_config.h"
#include "jobs/retention_archive.h"

namespace sluice::api {

namespace {

void WriteAutomation(JsonWriter& w, const model::Automation& a) {
  w.BeginObject();
  w.Member("id", a.id).Member("project_id", a.project_id).Key("user_id").Null();
  w.Member("created", FormatRfc3339(a.created)).Member("name", a.name);
  w.Key("description");
  if (a.description.empty()) {
    w.Null();
  } else {
    w.String(a.description);
  }
  w.Key("config").Raw(a.config.ToString());
  w.EndObject();
}

ApiResponse AutomationResponse(const model::Automation& a) {
  std::string out;
  JsonWriter w(&out);
  WriteAutomation(w, a);
  return ApiResponse::Json(std::move(out));
}

void WriteRun(JsonWriter& w, const model::AutomationRun& run) {
  w.BeginObject();
  w.Member("id", run.id).Member("automation_id", run.automation_id);
  w.Member("trigger", model::RunTriggerName(run.trigger));
  w.Member("status", model::RunStatusName(run.status));
  w.Member("started", FormatRfc3339(run.started));
  w.Key("finished");
  if (run.finished) {
    w.String(FormatRfc3339(*run.finished));
  } else {
    w.Null();
  }
  w.Key("stats").Raw(run.stats.ToString());
  w.Key("error");
  if (run.error.empty()) {
    w.Null();
  } else {
    w.String(run.error);
  }
  w.EndObject();
}

void WriteCursor(JsonWriter& w, const model::XactCursor& c) {
  // _xact_id travels as a decimal string, as everywhere in the API.
  w.BeginObject().Member("xact_id", std::to_string(c.xact_id)).Member("row_key", c.row_key);
  w.EndObject();
}

void WriteOptionalTime(JsonWriter& w, std::string_view key, TimestampMicros t) {
  w.Key(key);
  if (t == 0) {
    w.Null();
  } else {
    w.String(FormatRfc3339(t));
  }
}

// `limit` of a run history page: 1 to 100, default 20.
Result<int64_t> HistoryLimit(const ApiRequest& r) {
  const std::string q = r.Query("limit");
  if (q.empty()) return int64_t{20};
  char* end = nullptr;
  const long long limit = std::strtoll(q.c_str(), &end, 10);
  if (*end != '\0' || limit < 1 || limit > 100) {
    return InvalidArgumentError("limit: must be an integer from 1 to 100");
  }
  return static_cast<int64_t>(limit);
}

// `before` of a run history page: empty, or the id of a run of automation `a`.
Status CheckBefore(store::Store& store, const model::Automation& a, const std::string& before) {
  if (before.empty()) return Status();
  SLUICE_ASSIGN_OR_RETURN(auto run, store.GetRun(before));
  if (!run || run->automation_id != a.id) {
    return InvalidArgumentError("before: " + before + " is not a run of automation " + a.id +
                                " (pass the next_before of the previous page)");
  }
  return Status();
}

// One page of a run history, newest first, and the `before` of the next (older) page ("" on
// the last page).
struct RunPage {
  std::vector<model::AutomationRun> runs;
  std::string next_before;
};
Result<RunPage> ListRunPage(store::Store& store, const model::Automation& a, const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(int64_t limit, HistoryLimit(r));
  const std::string before = r.Query("before");
  SLUICE_RETURN_IF_ERROR(CheckBefore(store, a, before));
  RunPage page;
  // One more than asked tells whether an older page exists.
  SLUICE_ASSIGN_OR_RETURN(page.runs, store.ListRuns(a.id, limit + 1, before));
  if (static_cast<int64_t>(page.runs.size()) > limit) {
    page.runs.pop_back();
    page.next_before = page.runs.back().id;
  }
  return page;
}

void WriteRunPage(JsonWriter& w, const RunPage& page) {
  w.Key("runs").BeginArray();
  for (const auto& run : page.runs) WriteRun(w, run);
  w.EndArray().Key("next_before");
  if (page.next_before.empty()) {
    w.Null();
  } else {
    w.String(page.next_before);
  }
}

ApiResponse ProbeResponse(const std::vector<cloud::ProbeStep>& steps,
                          const std::string& external_id) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Member("ok", cloud::ProbeSucceeded(steps));
  w.Member("external_id", external_id).Key("steps").BeginArray();
  for (const cloud::ProbeStep& step : steps) {
    w.BeginObject().Member("name", step.name).Member("ok", step.ok);
    w.Member("message", step.message).EndObject();
  }
  w.EndArray().EndObject();
  return ApiResponse::Json(std::move(out));
}

// `status` belongs in the config (as in Braintrust's API); at the top level it would be ignored
// and the automation would keep running, so it is refused.
Status RejectTopLevelStatus(const Json& body) {
  if (body.Find("status") == nullptr) return Status();
  return InvalidArgumentError(
      "status: not a field of the automation; pause or resume it with config.status "
      "(\"active\" or \"paused\")");
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string ExportPathOf(const Json& config) {
  const Json* p = config.Find("export_path");
  return p && p->is_string() ? p->string_value() : std::string();
}

}  // namespace

Result<Json> AutomationHandlers::Validate(const Json& config, const model::Automation& a) {
  jobs::ConfigContext ctx;
  ctx.org_id = a.org_id;
  ctx.project_id = a.project_id;
  ctx.automation_id = a.id;
  ctx.external_id_prefix = external_id_prefix_;
  ctx.check_object = [this, &a](const model::ObjectRef& obj) -> Status {
    std::string project_id;
    if (obj.type == model::ObjectType::kExperiment) {
      auto e = store_.GetExperiment(obj.id);
      if (e.ok()) project_id = e->project_id;
    } else if (obj.type == model::ObjectType::kDataset) {
      auto d = store_.GetDataset(obj.id);
      if (d.ok()) project_id = d->project_id;
    }
    if (project_id != a.project_id) {
      return InvalidArgumentError(std::string(model::ObjectTypeName(obj.type)) + " " + obj.id +
                                  " is not in project " + a.project_id);
    }
    return Status();
  };
  ctx.check_archive = [this, &a](const std::string& archive_id) -> Status {
    return jobs::ArchiveExport(store_, a, archive_id).status();
  };
  return jobs::ValidateAutomationConfig(config, ctx);
}

Result<ApiResponse> AutomationHandlers::Upsert(const ApiRequest& r, bool replace) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseBodyObject(r.body));
  SLUICE_RETURN_IF_ERROR(RejectTopLevelStatus(body));
  SLUICE_ASSIGN_OR_RETURN(std::string project_id, RequiredUuid(body, "project_id"));
  SLUICE_ASSIGN_OR_RETURN(auto name, OptionalString(body, "name"));
  if (!name) return InvalidArgumentError("name: required");
  SLUICE_RETURN_IF_ERROR(model::ValidateName("name", *name));
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  const Json* config = body.Find("config");
  if (config == nullptr || config->is_null()) return InvalidArgumentError("config: required");
  SLUICE_RETURN_IF_ERROR(
      auth_.RequireProject(caller, project_id, model::Permission::kAdmin, "changing automations")
          .status());
  SLUICE_ASSIGN_OR_RETURN(auto existing, store_.FindAutomationByName(project_id, *name));
  if (existing && !replace) return AutomationResponse(*existing);
  model::Automation a;
  if (existing) {
    a = *existing;
  } else {
    a.id = NewUuid();
    a.org_id = caller.key.org_id;
    a.project_id = project_id;
    a.name = *name;
    a.created = clock_.NowMicros();
  }
  a.description = description.value_or("");
  SLUICE_ASSIGN_OR_RETURN(model::AutomationType type, jobs::ConfigType(*config));
  SLUICE_ASSIGN_OR_RETURN(Json validated, Validate(*config, a));
  if (existing) {
    if (type != existing->type) {
      return InvalidArgumentError("config.event_type cannot be changed; create a new automation");
    }
    if (type == model::AutomationType::kExport &&
        ExportPathOf(validated) != ExportPathOf(existing->config)) {
      return InvalidArgumentError("export_path cannot be changed after creation");
    }
  }
  a.type = type;
  a.config = std::move(validated);
  if (existing) {
    SLUICE_RETURN_IF_ERROR(store_.UpdateAutomation(a));
  } else {
    SLUICE_ASSIGN_OR_RETURN(a, store_.CreateAutomation(a));
  }
  return AutomationResponse(a);
}

Result<ApiResponse> AutomationHandlers::Create(const ApiRequest& r) { return Upsert(r, false); }
Result<ApiResponse> AutomationHandlers::Replace(const ApiRequest& r) { return Upsert(r, true); }

Result<ApiResponse> AutomationHandlers::List(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  store::ListOptions o;
  if (const std::string limit = r.Query("limit"); !limit.empty()) {
    char* end = nullptr;
    o.limit = std::strtoll(limit.c_str(), &end, 10);
    if (*end != '\0' || o.limit < 1 || o.limit > 1000) {
      return InvalidArgumentError("limit: must be an integer from 1 to 1000");
    }
  }
  o.starting_after = r.Query("starting_after");
  o.ending_before = r.Query("ending_before");
  o.ids = r.QueryAll("ids");
  o.name = r.Query("project_automation_name");
  o.project_id = r.Query("project_id");
  for (const auto& id : o.ids) SLUICE_RETURN_IF_ERROR(CheckUuid(id, "ids"));
  if (!o.project_id.empty()) SLUICE_RETURN_IF_ERROR(CheckUuid(o.project_id, "project_id"));
  if (!o.starting_after.empty())
    SLUICE_RETURN_IF_ERROR(CheckUuid(o.starting_after, "starting_after"));
  if (!o.ending_before.empty()) SLUICE_RETURN_IF_ERROR(CheckUuid(o.ending_before, "ending_before"));
  SLUICE_ASSIGN_OR_RETURN(auto items, store_.ListAutomations(caller.key.org_id, o));
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("objects").BeginArray();
  for (const auto& a : items) {
    if (caller.key.PermissionOn(a.project_id) >= model::Permission::kRead) WriteAutomation(w, a);
  }
  w.EndArray().EndObject();
  return ApiResponse::Json(std::move(out));
}

Result<AutomationHandlers::Loaded> AutomationHandlers::Load(const ApiRequest& r,
                                                            model::Permission needed,
                                                            std::string_view action) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  const std::string& id = r.path_params[0];
  SLUICE_RETURN_IF_ERROR(CheckUuid(id, "project_automation_id"));
  SLUICE_ASSIGN_OR_RETURN(model::Automation a, LoadFor(caller, id, needed, action));
  return Loaded{std::move(caller), std::move(a)};
}

Result<model::Automation> AutomationHandlers::LoadFor(const Caller& caller, const std::string& id,
                                                      model::Permission needed,
                                                      std::string_view action) {
  auto a = store_.GetAutomation(id);
  if (!a.ok() || a->org_id != caller.key.org_id) {
    if (a.ok() || a.status().code() == StatusCode::kNotFound) {
      return NotFoundError("automation " + id + " not found");
    }
    return a.status();
  }
  SLUICE_RETURN_IF_ERROR(auth_.RequireProject(caller, a->project_id, needed, action).status());
  return std::move(a).value();
}

Result<ApiResponse> AutomationHandlers::Get(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Loaded l, Load(r, model::Permission::kRead, "viewing automations"));
  return AutomationResponse(l.automation);
}

Result<ApiResponse> AutomationHandlers::Patch(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Loaded l, Load(r, model::Permission::kAdmin, "changing automations"));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseBodyObject(r.body));
  SLUICE_RETURN_IF_ERROR(RejectTopLevelStatus(body));
  model::Automation a = l.automation;
  SLUICE_ASSIGN_OR_RETURN(auto name, OptionalString(body, "name"));
  if (name) {
    SLUICE_RETURN_IF_ERROR(model::ValidateName("name", *name));
    a.name = *name;
  }
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  if (description) a.description = *description;
  if (const Json* config = body.Find("config"); config && !config->is_null()) {
    // A PATCH of some config fields need not repeat event_type.
    model::AutomationType type = a.type;
    if (!config->is_object() || config->Find("event_type") != nullptr) {
      SLUICE_ASSIGN_OR_RETURN(type, jobs::ConfigType(*config));
    }
    if (type != a.type) {
      return InvalidArgumentError("config.event_type cannot be changed; create a new automation");
    }
    if (type == model::AutomationType::kExport) {
      const Json* path = config->Find("export_path");
      if (path && path->is_string() && path->string_value() != ExportPathOf(a.config)) {
        return InvalidArgumentError("export_path cannot be changed after creation");
      }
    }
    // A PATCH may give only some fields of the config: the rest keep their values.
    Json merged = a.config;
    merged.MergeFrom(*config);
    SLUICE_ASSIGN_OR_RETURN(a.config, Validate(merged, a));
  }
  SLUICE_RETURN_IF_ERROR(store_.UpdateAutomation(a));
  return AutomationResponse(a);
}

Status AutomationHandlers::CheckNothingRestorable(const model::Automation& a) {
  if (a.type != model::AutomationType::kRetention) return Status();
  SLUICE_ASSIGN_OR_RETURN(auto marks, store_.ListRetentionMarks(a.id));
  const TimestampMicros now = clock_.NowMicros();
  std::set<std::string> seen;
  std::vector<std::string> run_ids;
  TimestampMicros until = 0;
  int64_t rows = 0;
  for (const model::RetentionMark& m : marks) {
    // A mark past its grace is purged by the next tick: nothing to strand.
    if (m.state != model::MarkState::kActive || m.purge_after <= now) continue;
    if (!seen.insert(m.run_id).second) continue;
    // A run that deleted nothing strands nothing.
    SLUICE_ASSIGN_OR_RETURN(auto run, store_.GetRun(m.run_id));
    const Json* deleted = run ? run->stats.Find("soft_deleted") : nullptr;
    const int64_t n = deleted != nullptr && deleted->is_number() ? deleted->int_value() : 1;
    if (n <= 0) continue;
    rows += n;
    until = std::max(until, m.purge_after);
    run_ids.push_back(m.run_id);
  }
  if (run_ids.empty()) return Status();
  SLUICE_ASSIGN_OR_RETURN(auto cfg, jobs::StoredRetentionConfig(a));
  const std::string n = std::to_string(run_ids.size());
  return AbortedError(
      "automation " + a.id + " has " + n + (run_ids.size() == 1 ? " run" : " runs") +
      " whose deletions (" + std::to_string(rows) + " rows) are in their grace period until " +
      FormatRfc3339(until) + ": deleting it would leave them hidden and unrestorable until " +
      "they are purged. Restore them (POST /automation/retention/" + a.id +
      "/restore {\"run_id\"}, runs " + Join(run_ids) + ")" +
      (cfg.active ? " or pause the automation (config.status \"paused\")," : "") +
      " or delete anyway with ?force=true (they are purged when their grace period ends)");
}

Result<ApiResponse> AutomationHandlers::Delete(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Loaded l, Load(r, model::Permission::kAdmin, "deleting automations"));
  const std::string force = r.Query("force");
  if (!force.empty() && force != "true" && force != "false") {
    return InvalidArgumentError("force: must be true or false");
  }
  if (force != "true") SLUICE_RETURN_IF_ERROR(CheckNothingRestorable(l.automation));
  SLUICE_RETURN_IF_ERROR(store_.DeleteAutomation(l.automation.id));
  return AutomationResponse(l.automation);
}

// ---- exports ----

Result<AutomationHandlers::Loaded> AutomationHandlers::LoadExport(const ApiRequest& r,
                                                                  model::Permission needed,
                                                                  std::string_view action) {
  SLUICE_ASSIGN_OR_RETURN(Loaded l, Load(r, needed, action));
  if (l.automation.type != model::AutomationType::kExport) {
    return InvalidArgumentError("automation " + l.automation.id +
                                " is a retention policy, not an export: use /automation/retention");
  }
  return l;
}

Result<std::string> AutomationHandlers::CheckServiceToken(const model::Automation& a,
                                                          std::string_view token) {
  const Status invalid = PermissionDeniedError("service token is not valid");
  auto lookup = model::KeyLookupPart(token);
  if (!lookup.ok()) return invalid;
  SLUICE_ASSIGN_OR_RETURN(auto key, store_.FindApiKeyByLookup(*lookup));
  if (!key || key->org_id != a.org_id || !model::KeyMatches(*key, token)) return invalid;
  if (key->revoked) return PermissionDeniedError("service token is revoked");
  if (key->PermissionOn(a.project_id) < model::Permission::kRead) {
    return PermissionDeniedError("service token has no read permission on project " + a.project_id);
  }
  return key->id;
}

Result<ApiResponse> AutomationHandlers::StatusResponse(const model::Automation& a,
                                                       const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(RunPage page, ListRunPage(store_, a, r));
  SLUICE_ASSIGN_OR_RETURN(jobs::ExportStatus st, exports_.GetStatus(a));
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Member("automation_id", a.id);
  SLUICE_ASSIGN_OR_RETURN(jobs::ExportConfig config,
                          jobs::StoredExportConfig(a, external_id_prefix_));
  w.Member("status", config.active ? "active" : "paused");
  w.Member("registered", FormatRfc3339(st.state.registered));
  w.Member("service_token_id", st.state.token_key_id);
  w.Key("cursor");
  WriteCursor(w, st.state.cursor);
  w.Key("last_run");
  if (st.last_run) {
    WriteRun(w, *st.last_run);
  } else {
    w.Null();
  }
  WriteOptionalTime(w, "next_run", st.next_run);
  w.Member("backlog_rows", st.backlog_rows).Member("backlog_capped", st.backlog_capped);
  WriteRunPage(w, page);
  w.EndObject();
  return ApiResponse::Json(std::move(out));
}

Result<ApiResponse> AutomationHandlers::CronRegister(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseBodyObject(r.body));
  SLUICE_ASSIGN_OR_RETURN(std::string id, RequiredUuid(body, "automation_id"));
  const Json* cron = body.Find("cron");
  if (cron == nullptr || !cron->is_object()) {
    return InvalidArgumentError("cron: required, {\"type\": \"btql_export\"}");
  }
  const Json* type = cron->Find("type");
  if (type == nullptr || !type->is_string() || type->string_value() != "btql_export") {
    return InvalidArgumentError("cron.type: must be \"btql_export\"");
  }
  SLUICE_ASSIGN_OR_RETURN(auto token, OptionalString(body, "service_token"));
  if (!token || token->empty()) return InvalidArgumentError("service_token: required");
  SLUICE_ASSIGN_OR_RETURN(model::Automation a,
                          LoadFor(caller, id, model::Permission::kAdmin, "registering exports"));
  if (a.type != model::AutomationType::kExport) {
    return InvalidArgumentError("automation " + a.id + " is a retention policy, not an export");
  }
  SLUICE_ASSIGN_OR_RETURN(std::string key_id, CheckServiceToken(a, *token));
  SLUICE_RETURN_IF_ERROR(store_.RegisterExport(a.id, key_id, clock_.NowMicros()));
  SLUICE_LOG_INFO("export {} registered with service token {}", a.id, key_id);
  return StatusResponse(a, r);
}

Result<ApiResponse> AutomationHandlers::CronStatus(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Loaded l, LoadExport(r, model::Permission::kRead, "viewing automations"));
  return StatusResponse(l.automation, r);
}

Result<ApiResponse> AutomationHandlers::CronRun(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Loaded l, LoadExport(r, model::Permission::kAdmin, "running exports"));
  SLUICE_ASSIGN_OR_RETURN(auto run, exports_.Run(l.automation, model::RunTrigger::kManual));
  std::string out;
  JsonWriter w(&out);
  WriteRun(w, run);
  return ApiResponse::Json(std::move(out));
}

Result<ApiResponse> AutomationHandlers::CronReset(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Loaded l, LoadExport(r, model::Permission::kAdmin, "resetting exports"));
  SLUICE_ASSIGN_OR_RETURN(auto state, store_.GetExportState(l.automation.id));
  if (!state) return FailedPreconditionError(jobs::kNotRegisteredMessage);
  SLUICE_RETURN_IF_ERROR(exports_.Reset(l.automation.id));
  return StatusResponse(l.automation, r);
}

// A config is tested as the automation it belongs to: the ExternalId names the automation, so
// a config of an automation not created yet is tested with the placeholder id "new".
Result<ApiResponse> AutomationHandlers::TestAutomation(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseBodyObject(r.body));
  SLUICE_ASSIGN_OR_RETURN(auto automation_id, OptionalString(body, "automation_id"));
  SLUICE_ASSIGN_OR_RETURN(auto project_id, OptionalString(body, "project_id"));
  const Json* config = body.Find("config");
  const bool has_config = config != nullptr && !config->is_null();
  if (!automation_id && !(project_id && has_config)) {
    return InvalidArgumentError("send {project_id, config} or {automation_id}");
  }
  model::Automation a;
  if (automation_id) {
    SLUICE_RETURN_IF_ERROR(CheckUuid(*automation_id, "automation_id"));
    SLUICE_ASSIGN_OR_RETURN(
        a, LoadFor(caller, *automation_id, model::Permission::kAdmin, "testing automations"));
    if (project_id && *project_id != a.project_id) {
      return InvalidArgumentError("project_id: automation " + a.id + " is in project " +
                                  a.project_id);
    }
  } else {
    SLUICE_RETURN_IF_ERROR(CheckUuid(*project_id, "project_id"));
    SLUICE_RETURN_IF_ERROR(
        auth_.RequireProject(caller, *project_id, model::Permission::kAdmin, "testing automations")
            .status());
    a.id = "new";
    a.org_id = caller.key.org_id;
    a.project_id = *project_id;
  }
  if (has_config) {
    SLUICE_ASSIGN_OR_RETURN(model::AutomationType type, jobs::ConfigType(*config));
    if (type != model::AutomationType::kExport) {
      return InvalidArgumentError("config: only export automations (btql_export) can be tested");
    }
    SLUICE_ASSIGN_OR_RETURN(a.config, Validate(*config, a));
  } else if (a.type != model::AutomationType::kExport) {
    return InvalidArgumentError("automation " + a.id + " is a retention policy, not an export");
  }
  SLUICE_ASSIGN_OR_RETURN(jobs::ExportConfig c, jobs::StoredExportConfig(a, external_id_prefix_));
  return ProbeResponse(destinations_.Probe(c), c.credentials.external_id);
}

// ---- retention ----

Result<AutomationHandlers::Loaded> AutomationHandlers::LoadRetention(const ApiRequest& r,
                                                                     model::Permission needed,
                                                                     std::string_view action) {
  SLUICE_ASSIGN_OR_RETURN(Loaded l, Load(r, needed, action));
  if (l.automation.type != model::AutomationType::kRetention) {
    return InvalidArgumentError("automation " + l.automation.id +
                                " is an export, not a retention policy: use /automation/cron");
  }
  return l;
}

Result<ApiResponse> AutomationHandlers::RetentionRun(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Loaded l,
                          LoadRetention(r, model::Permission::kAdmin, "running retention"));
  SLUICE_ASSIGN_OR_RETURN(auto run, retention_.Run(l.automation, model::RunTrigger::kManual));
  std::string out;
  JsonWriter w(&out);
  WriteRun(w, run);
  return ApiResponse::Json(std::move(out));
}

Result<ApiResponse> AutomationHandlers::RetentionPreview(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Loaded l,
                          LoadRetention(r, model::Permission::kRead, "previewing retention"));
  SLUICE_ASSIGN_OR_RETURN(auto p, retention_.Preview(l.automation));
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Member("cutoff", FormatRfc3339(p.cutoff)).Member("rows", p.rows);
  w.Member("experiments", p.experiments).Member("exempt", p.exempt).Member("bytes", p.bytes);
  w.Member("held_back", p.held_back);
  w.EndObject();
  return ApiResponse::Json(std::move(out));
}

Result<ApiResponse> AutomationHandlers::RetentionRestore(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Loaded l, LoadRetention(r, model::Permission::kAdmin, "restoring"));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseBodyObject(r.body));
  SLUICE_ASSIGN_OR_RETURN(auto run_id, OptionalString(body, "run_id"));
  if (!run_id) return InvalidArgumentError("run_id: required");
  auto restored = retention_.Restore(l.automation, *run_id);
  if (restored.status().code() == StatusCode::kFailedPrecondition) {
    // Purged or restored before: a conflict with the current state, not a bad request.
    return Status(StatusCode::kAborted, restored.status().message());
  }
  SLUICE_RETURN_IF_ERROR(restored.status());
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Member("run_id", *run_id).Member("restored", restored->rows);
  w.Member("paused", restored->paused).EndObject();
  return ApiResponse::Json(std::move(out));
}

// last_run and next_run come from the newest run whatever page of the history is asked for.
Result<ApiResponse> AutomationHandlers::RetentionStatus(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Loaded l,
                          LoadRetention(r, model::Permission::kRead, "viewing automations"));
  SLUICE_ASSIGN_OR_RETURN(RunPage page, ListRunPage(store_, l.automation, r));
  SLUICE_ASSIGN_OR_RETURN(auto newest, store_.ListRuns(l.automation.id, 1, ""));
  SLUICE_ASSIGN_OR_RETURN(auto cfg, jobs::StoredRetentionConfig(l.automation));
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("automation");
  WriteAutomation(w, l.automation);
  w.Member("status", cfg.active ? "active" : "paused");
  w.Key("last_run");
  if (newest.empty()) {
    w.Null();
  } else {
    WriteRun(w, newest.front());
  }
  // Paused: no scheduled run (0 is written as null).
  const model::AutomationRun* last = newest.empty() ? nullptr : &newest[0];
  WriteOptionalTime(w, "next_run", jobs::RetentionNextRun(cfg, last, clock_.NowMicros()));
  WriteRunPage(w, page);
  w.EndObject();
  return ApiResponse::Json(std::move(out));
}

}  // namespace sluice::api
