// `POST /api/experiment/register`: the SDKs' init() of an experiment. Create-or-get by name
// (`update: true` appends to an existing experiment; otherwise a taken name gets a new one),
// with the base experiment the SDK asks for: by id, by name, else the newest experiment of the
// project at one of the caller's ancestor commits, else the newest experiment of the project.
#include "api/experiment_names.h"
#include "api/json_views.h"
#include "api/request_body.h"
#include "api/sdk_handlers.h"
#include "common/json_writer.h"
#include "common/uuid.h"

namespace sluice::api {

namespace {

// The commit recorded in an experiment's repo_info, or "".
std::string CommitOf(const model::Experiment& e) {
  if (e.repo_info.empty()) return std::string();
  auto info = Json::Parse(e.repo_info);
  if (!info.ok()) return std::string();
  const Json* commit = info->Find("commit");
  return commit != nullptr && commit->is_string() ? commit->string_value() : std::string();
}

// "<branch>-<unix seconds>", or "experiment-<unix seconds>" without git information.
std::string DefaultName(const std::string& repo_info, TimestampMicros now) {
  std::string prefix = "experiment";
  if (auto info = Json::Parse(repo_info.empty() ? "{}" : repo_info); info.ok()) {
    const Json* branch = info->Find("branch");
    if (branch != nullptr && branch->is_string() && !branch->string_value().empty()) {
      prefix = branch->string_value();
    }
  }
  return prefix + "-" + std::to_string(now / 1'000'000);
}

// The base among the project's experiments (newest first): the newest at the first of
// `ancestors` (newest commit first) that has one, else the newest.
std::string BaseByAncestry(const std::vector<model::Experiment>& newest_first,
                           const std::vector<std::string>& ancestors) {
  for (const std::string& commit : ancestors) {
    for (const auto& e : newest_first) {
      if (!commit.empty() && CommitOf(e) == commit) return e.id;
    }
  }
  return newest_first.empty() ? std::string() : newest_first.front().id;
}

struct BaseChoice {
  std::string base_exp_id;
  std::string base_experiment;  // a name
  std::vector<std::string> ancestor_commits;
};

Result<BaseChoice> ReadBaseChoice(const Json& body) {
  BaseChoice c;
  SLUICE_ASSIGN_OR_RETURN(auto id, OptionalString(body, "base_exp_id"));
  SLUICE_ASSIGN_OR_RETURN(auto name, OptionalString(body, "base_experiment"));
  SLUICE_ASSIGN_OR_RETURN(c.ancestor_commits, OptionalStrings(body, "ancestor_commits"));
  if (id) {
    SLUICE_RETURN_IF_ERROR(CheckUuid(*id, "base_exp_id"));
    c.base_exp_id = *id;
  }
  c.base_experiment = name.value_or("");
  return c;
}

// The experiment a new one is compared with: the one named by id or by name, else the latest
// whose commit is an ancestor of the new one's (none: "").
Result<std::string> BaseExperimentOf(Authenticator& auth, store::Store& store, const Caller& caller,
                                     const BaseChoice& base, const model::Project& p) {
  if (!base.base_exp_id.empty()) {
    auto b = auth.RequireObject(caller, {model::ObjectType::kExperiment, base.base_exp_id},
                                model::Permission::kRead, "comparing with it");
    if (!b.ok()) return InvalidArgumentError("base experiment " + base.base_exp_id + " not found");
    return base.base_exp_id;
  }
  if (!base.base_experiment.empty()) {
    // The SDKs retry without the name when the error says "base experiment".
    SLUICE_ASSIGN_OR_RETURN(auto b, store.FindExperimentByName(p.id, base.base_experiment));
    if (!b) {
      return InvalidArgumentError("base experiment \"" + base.base_experiment +
                                  "\" not found in project " + p.name);
    }
    return b->id;
  }
  store::ListOptions o;
  o.project_id = p.id;
  o.limit = 1000;
  SLUICE_ASSIGN_OR_RETURN(auto recent, store.ListExperiments(caller.key.org_id, o));
  return BaseByAncestry(recent, base.ancestor_commits);
}

}  // namespace

Result<ApiResponse> SdkHandlers::RegisterExperiment(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseBodyObject(r.body));
  model::Experiment e;
  SLUICE_ASSIGN_OR_RETURN(auto name, OptionalString(body, "experiment_name"));
  SLUICE_ASSIGN_OR_RETURN(auto update, OptionalBool(body, "update"));
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  SLUICE_ASSIGN_OR_RETURN(auto is_public, OptionalBool(body, "public"));
  SLUICE_ASSIGN_OR_RETURN(auto dataset_id, OptionalString(body, "dataset_id"));
  SLUICE_ASSIGN_OR_RETURN(e.metadata, OptionalObjectText(body, "metadata"));
  SLUICE_ASSIGN_OR_RETURN(e.repo_info, OptionalObjectText(body, "repo_info"));
  SLUICE_ASSIGN_OR_RETURN(e.tags, OptionalStrings(body, "tags"));
  SLUICE_ASSIGN_OR_RETURN(BaseChoice base, ReadBaseChoice(body));
  e.created = clock_.NowMicros();
  e.name = name && !name->empty() ? *name : DefaultName(e.repo_info, e.created);
  SLUICE_RETURN_IF_ERROR(model::ValidateName("experiment_name", e.name));
  SLUICE_ASSIGN_OR_RETURN(auto p, ResolveProject(caller, body, model::Permission::kWrite, true));
  e.id = NewUuid();
  e.project_id = p.id;
  e.description = description.value_or("");
  e.is_public = is_public.value_or(false);
  auto respond = [&p](const model::Experiment& x) {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject();
    WriteProject(w.Key("project"), p);
    WriteExperiment(w.Key("experiment"), x);
    w.EndObject();
    return ApiResponse::Json(std::move(out));
  };
  if (update.value_or(false)) {
    SLUICE_ASSIGN_OR_RETURN(auto existing, store_.FindExperimentByName(p.id, e.name));
    if (existing) return respond(*existing);
  }
  if (dataset_id && !dataset_id->empty()) {
    SLUICE_ASSIGN_OR_RETURN(auto d,
                            auth_.RequireObject(caller, {model::ObjectType::kDataset, *dataset_id},
                                                model::Permission::kRead, "using it"));
    e.dataset_id = d.ref.id;
  }
  SLUICE_ASSIGN_OR_RETURN(e.base_exp_id, BaseExperimentOf(auth_, store_, caller, base, p));
  SLUICE_ASSIGN_OR_RETURN(auto created, CreateExperimentWithFreeName(store_, e));
  return respond(created);
}

}  // namespace sluice::api
