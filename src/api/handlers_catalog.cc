// Projects, experiments and datasets: create (returning the existing one of the same name, as
// Braintrust does), list (newest first, `{"objects":[...]}`) and get.
#include "api/experiment_names.h"
#include "api/handlers.h"
#include "api/json_views.h"
#include "api/request_body.h"
#include "common/uuid.h"

namespace sluice::api {

namespace {

template <typename T, typename WriteFn>
ApiResponse ObjectResponse(const T& item, WriteFn write) {
  std::string out;
  JsonWriter w(&out);
  write(w, item);
  return ApiResponse::Json(std::move(out));
}

template <typename T, typename WriteFn>
ApiResponse ListResponse(const std::vector<T>& items, WriteFn write) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("objects").BeginArray();
  for (const auto& i : items) write(w, i);
  w.EndArray().EndObject();
  return ApiResponse::Json(std::move(out));
}

// The items whose project the caller may read (Project has its id; the others a project_id).
template <typename T>
std::vector<T> Readable(const Caller& caller, std::vector<T> items) {
  std::erase_if(items, [&caller](const T& item) {
    if constexpr (std::is_same_v<T, model::Project>) {
      return caller.key.PermissionOn(item.id) < model::Permission::kRead;
    } else {
      return caller.key.PermissionOn(item.project_id) < model::Permission::kRead;
    }
  });
  return items;
}

}  // namespace

Result<store::ListOptions> Handlers::ParseListOptions(const ApiRequest& r, const char* name_param) {
  store::ListOptions o;
  if (const std::string limit = r.Query("limit"); !limit.empty()) {
    char* end = nullptr;
    const long long v = std::strtoll(limit.c_str(), &end, 10);
    if (*end != '\0' || v < 1 || v > 1000) {
      return InvalidArgumentError("limit: must be an integer from 1 to 1000");
    }
    o.limit = v;
  }
  o.starting_after = r.Query("starting_after");
  o.ending_before = r.Query("ending_before");
  if (!o.starting_after.empty() && !o.ending_before.empty()) {
    return InvalidArgumentError("starting_after and ending_before cannot be used together");
  }
  if (!o.starting_after.empty())
    SLUICE_RETURN_IF_ERROR(CheckUuid(o.starting_after, "starting_after"));
  if (!o.ending_before.empty()) SLUICE_RETURN_IF_ERROR(CheckUuid(o.ending_before, "ending_before"));
  o.ids = r.QueryAll("ids");
  for (const auto& id : o.ids) SLUICE_RETURN_IF_ERROR(CheckUuid(id, "ids"));
  o.name = r.Query(name_param);
  return o;
}

// ---- projects ----

Result<ApiResponse> Handlers::CreateProject(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseBodyObject(r.body));
  SLUICE_ASSIGN_OR_RETURN(auto name, OptionalString(body, "name"));
  if (!name) return InvalidArgumentError("name: required");
  SLUICE_RETURN_IF_ERROR(model::ValidateName("name", *name));
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  SLUICE_RETURN_IF_ERROR(auth_.RequireOrg(caller, model::Permission::kWrite, "creating a project"));
  SLUICE_ASSIGN_OR_RETURN(auto existing, store_.FindProjectByName(caller.key.org_id, *name));
  if (existing) return ObjectResponse(*existing, WriteProject);
  model::Project p{NewUuid(), caller.key.org_id, *name, description.value_or(""),
                   clock_.NowMicros()};
  auto created = store_.CreateProject(p);
  if (created.status().code() == StatusCode::kAlreadyExists) {  // lost a race: return the winner
    SLUICE_ASSIGN_OR_RETURN(existing, store_.FindProjectByName(caller.key.org_id, *name));
    if (existing) return ObjectResponse(*existing, WriteProject);
  }
  SLUICE_RETURN_IF_ERROR(created.status());
  return ObjectResponse(*created, WriteProject);
}

Result<ApiResponse> Handlers::ListProjects(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(store::ListOptions o, ParseListOptions(r, "project_name"));
  SLUICE_ASSIGN_OR_RETURN(auto projects, store_.ListProjects(caller.key.org_id, o));
  return ListResponse(Readable(caller, std::move(projects)), WriteProject);
}

Result<ApiResponse> Handlers::GetProject(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_RETURN_IF_ERROR(CheckUuid(r.path_params[0], "project_id"));
  SLUICE_ASSIGN_OR_RETURN(auto p, auth_.RequireProject(caller, r.path_params[0],
                                                       model::Permission::kRead, "reading it"));
  return ObjectResponse(p, WriteProject);
}

// ---- experiments ----

Result<ApiResponse> Handlers::CreateExperiment(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseBodyObject(r.body));
  SLUICE_ASSIGN_OR_RETURN(std::string project_id, RequiredUuid(body, "project_id"));
  model::Experiment e;
  e.id = NewUuid();
  e.project_id = project_id;
  e.created = clock_.NowMicros();
  SLUICE_ASSIGN_OR_RETURN(auto name, OptionalString(body, "name"));
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  SLUICE_ASSIGN_OR_RETURN(auto is_public, OptionalBool(body, "public"));
  SLUICE_ASSIGN_OR_RETURN(auto ensure_new, OptionalBool(body, "ensure_new"));
  SLUICE_ASSIGN_OR_RETURN(e.metadata, OptionalObjectText(body, "metadata"));
  SLUICE_ASSIGN_OR_RETURN(e.tags, OptionalStrings(body, "tags"));
  SLUICE_ASSIGN_OR_RETURN(auto dataset_id, OptionalString(body, "dataset_id"));
  SLUICE_ASSIGN_OR_RETURN(auto base_exp_id, OptionalString(body, "base_exp_id"));
  if (dataset_id) SLUICE_RETURN_IF_ERROR(CheckUuid(*dataset_id, "dataset_id"));
  if (base_exp_id) SLUICE_RETURN_IF_ERROR(CheckUuid(*base_exp_id, "base_exp_id"));
  e.name = name.value_or("experiment-" + e.id.substr(0, 8));
  SLUICE_RETURN_IF_ERROR(model::ValidateName("name", e.name));
  e.description = description.value_or("");
  e.is_public = is_public.value_or(false);
  e.dataset_id = dataset_id.value_or("");
  e.base_exp_id = base_exp_id.value_or("");
  SLUICE_RETURN_IF_ERROR(
      auth_.RequireProject(caller, project_id, model::Permission::kWrite, "creating an experiment")
          .status());
  if (ensure_new.value_or(false)) {
    SLUICE_ASSIGN_OR_RETURN(auto created, CreateExperimentWithFreeName(store_, e));
    return ObjectResponse(created, WriteExperiment);
  }
  SLUICE_ASSIGN_OR_RETURN(auto existing, store_.FindExperimentByName(project_id, e.name));
  if (existing) return ObjectResponse(*existing, WriteExperiment);
  auto created = store_.CreateExperiment(e);
  if (created.ok()) return ObjectResponse(*created, WriteExperiment);
  if (created.status().code() != StatusCode::kAlreadyExists) return created.status();
  // Created by another request meanwhile: that one, as for a name found above.
  SLUICE_ASSIGN_OR_RETURN(existing, store_.FindExperimentByName(project_id, e.name));
  if (existing) return ObjectResponse(*existing, WriteExperiment);
  // Taken, yet not visible: an experiment a retention run deleted, still restorable.
  return AlreadyExistsError(
      "an experiment named \"" + e.name +
      "\" was deleted by a retention automation and can still be restored (POST "
      "/automation/retention/{id}/restore); its name is free once it is purged at the end of "
      "the grace period. Restore it, choose another name, or pass ensure_new: true");
}

Result<ApiResponse> Handlers::ListExperiments(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(store::ListOptions o, ParseListOptions(r, "experiment_name"));
  o.project_id = r.Query("project_id");
  if (!o.project_id.empty()) SLUICE_RETURN_IF_ERROR(CheckUuid(o.project_id, "project_id"));
  SLUICE_ASSIGN_OR_RETURN(auto items, store_.ListExperiments(caller.key.org_id, o));
  return ListResponse(Readable(caller, std::move(items)), WriteExperiment);
}

Result<ApiResponse> Handlers::GetExperiment(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(auto obj, ResolveObject(caller, "experiment", r.path_params[0],
                                                  model::Permission::kRead, "reading it"));
  SLUICE_ASSIGN_OR_RETURN(auto e, store_.GetExperiment(obj.ref.id));
  return ObjectResponse(e, WriteExperiment);
}

// ---- datasets ----

Result<ApiResponse> Handlers::CreateDataset(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseBodyObject(r.body));
  SLUICE_ASSIGN_OR_RETURN(std::string project_id, RequiredUuid(body, "project_id"));
  SLUICE_ASSIGN_OR_RETURN(auto name, OptionalString(body, "name"));
  if (!name) return InvalidArgumentError("name: required");
  SLUICE_RETURN_IF_ERROR(model::ValidateName("name", *name));
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  model::Dataset d;
  d.id = NewUuid();
  d.project_id = project_id;
  d.name = *name;
  d.description = description.value_or("");
  d.created = clock_.NowMicros();
  SLUICE_ASSIGN_OR_RETURN(d.metadata, OptionalObjectText(body, "metadata"));
  SLUICE_ASSIGN_OR_RETURN(d.tags, OptionalStrings(body, "tags"));
  SLUICE_RETURN_IF_ERROR(
      auth_.RequireProject(caller, project_id, model::Permission::kWrite, "creating a dataset")
          .status());
  SLUICE_ASSIGN_OR_RETURN(auto existing, store_.FindDatasetByName(project_id, d.name));
  if (existing) return ObjectResponse(*existing, WriteDataset);
  SLUICE_ASSIGN_OR_RETURN(auto created, store_.CreateDataset(d));
  return ObjectResponse(created, WriteDataset);
}

Result<ApiResponse> Handlers::ListDatasets(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(store::ListOptions o, ParseListOptions(r, "dataset_name"));
  o.project_id = r.Query("project_id");
  if (!o.project_id.empty()) SLUICE_RETURN_IF_ERROR(CheckUuid(o.project_id, "project_id"));
  SLUICE_ASSIGN_OR_RETURN(auto items, store_.ListDatasets(caller.key.org_id, o));
  return ListResponse(Readable(caller, std::move(items)), WriteDataset);
}

Result<ApiResponse> Handlers::GetDataset(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(auto obj, ResolveObject(caller, "dataset", r.path_params[0],
                                                  model::Permission::kRead, "reading it"));
  SLUICE_ASSIGN_OR_RETURN(auto d, store_.GetDataset(obj.ref.id));
  return ObjectResponse(d, WriteDataset);
}

}  // namespace sluice::api
