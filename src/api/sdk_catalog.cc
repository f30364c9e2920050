// The SDKs' login and registration calls: `/api/apikey/login`, `/version`,
// `/api/project/register`, `/api/project`, `/api/experiment/register`, `/api/experiment/get`,
// `/api/base_experiment/get_id`, `/api/dataset/register` and `/api/self/get_object_info`.
// Registration is create-or-get by name, as the SDKs expect.
#include "api/json_views.h"
#include "api/request_body.h"
#include "api/sdk_handlers.h"
#include "common/json_writer.h"
#include "common/uuid.h"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "dev"
#endif

namespace sluice::api {

namespace {

// The SDKs' default project for a logger given no project.
constexpr char kGlobalProject[] = "Global";

template <typename... Parts>
ApiResponse JsonOf(Parts&&... write_parts) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  (write_parts(w), ...);
  w.EndObject();
  return ApiResponse::Json(std::move(out));
}

// A creation that lost a race to another request: kAlreadyExists.
bool LostRace(const Status& s) { return s.code() == StatusCode::kAlreadyExists; }

}  // namespace

Result<std::string> SdkHandlers::BaseUrl(const ApiRequest& r) const {
  if (!options_.public_url.empty()) return options_.public_url;
  const std::string host = r.Header("host");
  if (host.empty()) {
    return InvalidArgumentError("no Host header: send one, or start sluice with --public-url");
  }
  std::string scheme = r.Header("x-forwarded-proto");
  if (scheme != "https") scheme = "http";
  return scheme + "://" + host;
}

Status SdkHandlers::CheckOrg(const Caller& caller, const Json& body) const {
  SLUICE_ASSIGN_OR_RETURN(auto org_id, OptionalString(body, "org_id"));
  if (org_id && !org_id->empty() && *org_id != caller.key.org_id) {
    return NotFoundError("org " + org_id->substr(0, 64) + " not found");
  }
  return Status();
}

Result<ApiResponse> SdkHandlers::Login(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(std::string url, BaseUrl(r));
  SLUICE_ASSIGN_OR_RETURN(auto orgs, store_.ListOrgs());
  std::string name;
  for (const auto& o : orgs) {
    if (o.id == caller.key.org_id) name = o.name;
  }
  return JsonOf([&](JsonWriter& w) {
    w.Key("org_info").BeginArray().BeginObject();
    w.Member("id", caller.key.org_id).Member("name", name).Member("api_url", url);
    // No AI proxy; git metadata is collected only where the caller asks for it.
    w.Key("proxy_url").Null().Key("git_metadata").Null();
    w.EndObject().EndArray();
  });
}

Result<ApiResponse> SdkHandlers::Version(const ApiRequest&) {
  return JsonOf([&](JsonWriter& w) {
    w.Member("version", SLUICE_VERSION);
    w.Member("logs3_payload_max_bytes", options_.logs3_payload_max_bytes);
  });
}

Result<model::Project> SdkHandlers::ResolveProject(const Caller& caller, const Json& body,
                                                   model::Permission needed, bool create) {
  SLUICE_RETURN_IF_ERROR(CheckOrg(caller, body));
  SLUICE_ASSIGN_OR_RETURN(auto id, OptionalString(body, "project_id"));
  if (id && !id->empty()) {
    SLUICE_RETURN_IF_ERROR(CheckUuid(*id, "project_id"));
    return auth_.RequireProject(caller, *id, needed, "this registration");
  }
  SLUICE_ASSIGN_OR_RETURN(auto name, OptionalString(body, "project_name"));
  if (!name || name->empty()) return InvalidArgumentError("project_name or project_id: required");
  SLUICE_RETURN_IF_ERROR(model::ValidateName("project_name", *name));
  SLUICE_ASSIGN_OR_RETURN(auto found, store_.FindProjectByName(caller.key.org_id, *name));
  if (!found) {
    if (!create) return NotFoundError("project \"" + *name + "\" not found");
    SLUICE_RETURN_IF_ERROR(
        auth_.RequireOrg(caller, model::Permission::kWrite, "creating project \"" + *name + "\""));
    model::Project p{NewUuid(), caller.key.org_id, *name, "", clock_.NowMicros()};
    auto created = store_.CreateProject(p);
    if (created.ok()) return created;
    if (!LostRace(created.status())) return created.status();
    SLUICE_ASSIGN_OR_RETURN(found, store_.FindProjectByName(caller.key.org_id, *name));
    if (!found) return created.status();
  }
  return auth_.RequireProject(caller, found->id, needed, "this registration");
}

Result<ApiResponse> SdkHandlers::RegisterProject(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseBodyObject(r.body));
  if (body.Find("project_name") == nullptr && body.Find("project_id") == nullptr) {
    body.Set("project_name", Json::String(kGlobalProject));
  }
  SLUICE_ASSIGN_OR_RETURN(auto p, ResolveProject(caller, body, model::Permission::kRead, true));
  return JsonOf([&](JsonWriter& w) { WriteProject(w.Key("project"), p); });
}

Result<ApiResponse> SdkHandlers::GetProject(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  const std::string id = r.Query("id");
  if (id.empty()) return InvalidArgumentError("id: required");
  SLUICE_RETURN_IF_ERROR(CheckUuid(id, "id"));
  SLUICE_ASSIGN_OR_RETURN(auto p,
                          auth_.RequireProject(caller, id, model::Permission::kRead, "reading it"));
  std::string out;
  JsonWriter w(&out);
  WriteProject(w, p);
  return ApiResponse::Json(std::move(out));
}

Result<ApiResponse> SdkHandlers::GetExperiments(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseBodyObject(r.body));
  SLUICE_ASSIGN_OR_RETURN(auto p, ResolveProject(caller, body, model::Permission::kRead, false));
  SLUICE_ASSIGN_OR_RETURN(auto name, OptionalString(body, "experiment_name"));
  store::ListOptions o;
  o.project_id = p.id;
  o.name = name.value_or("");
  o.limit = 1000;
  SLUICE_ASSIGN_OR_RETURN(auto items, store_.ListExperiments(caller.key.org_id, o));
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  for (const auto& e : items) WriteExperiment(w, e);
  w.EndArray();
  return ApiResponse::Json(std::move(out));
}

Result<ApiResponse> SdkHandlers::BaseExperiment(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseBodyObject(r.body));
  SLUICE_ASSIGN_OR_RETURN(std::string id, RequiredUuid(body, "id"));
  SLUICE_ASSIGN_OR_RETURN(auto obj,
                          auth_.RequireObject(caller, {model::ObjectType::kExperiment, id},
                                              model::Permission::kRead, "reading it"));
  SLUICE_ASSIGN_OR_RETURN(auto e, store_.GetExperiment(obj.ref.id));
  if (e.base_exp_id.empty()) {
    // The SDKs read a 400 as "no base experiment".
    return InvalidArgumentError("experiment " + id + " has no base experiment");
  }
  auto base = store_.GetExperiment(e.base_exp_id);
  if (!base.ok()) return InvalidArgumentError("the base experiment of " + id + " no longer exists");
  return JsonOf([&](JsonWriter& w) {
    w.Member("base_exp_id", base->id).Member("base_exp_name", base->name);
  });
}

Result<ApiResponse> SdkHandlers::RegisterDataset(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseBodyObject(r.body));
  SLUICE_ASSIGN_OR_RETURN(auto name, OptionalString(body, "dataset_name"));
  if (!name || name->empty()) return InvalidArgumentError("dataset_name: required");
  SLUICE_RETURN_IF_ERROR(model::ValidateName("dataset_name", *name));
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description"));
  SLUICE_ASSIGN_OR_RETURN(std::string metadata, OptionalObjectText(body, "metadata"));
  SLUICE_ASSIGN_OR_RETURN(auto p, ResolveProject(caller, body, model::Permission::kRead, true));
  SLUICE_ASSIGN_OR_RETURN(auto found, store_.FindDatasetByName(p.id, *name));
  if (!found) {
    SLUICE_RETURN_IF_ERROR(
        auth_.RequireProject(caller, p.id, model::Permission::kWrite, "creating a dataset")
            .status());
    model::Dataset d;
    d.id = NewUuid();
    d.project_id = p.id;
    d.name = *name;
    d.description = description.value_or("");
    d.metadata = metadata;
    d.created = clock_.NowMicros();
    auto created = store_.CreateDataset(d);
    if (created.ok()) {
      found = *created;
    } else {
      if (!LostRace(created.status())) return created.status();
      SLUICE_ASSIGN_OR_RETURN(found, store_.FindDatasetByName(p.id, *name));
      if (!found) return created.status();
    }
  }
  return JsonOf([&](JsonWriter& w) {
    WriteProject(w.Key("project"), p);
    WriteDataset(w.Key("dataset"), *found);
  });
}

Result<ApiResponse> SdkHandlers::ObjectInfo(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseBodyObject(r.body));
  SLUICE_ASSIGN_OR_RETURN(auto type_name, OptionalString(body, "object_type"));
  SLUICE_ASSIGN_OR_RETURN(auto ids, OptionalStrings(body, "object_ids"));
  if (!type_name) return InvalidArgumentError("object_type: required");
  SLUICE_ASSIGN_OR_RETURN(model::ObjectType type, model::ParseObjectType(*type_name));
  if (type == model::ObjectType::kProjectLogs) {
    return InvalidArgumentError("object_type: must be \"experiment\" or \"dataset\"");
  }
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  for (const std::string& id : ids) {
    // Objects the caller cannot read are left out, as missing ones are.
    auto obj = auth_.RequireObject(caller, {type, id}, model::Permission::kRead, "reading it");
    if (!obj.ok()) {
      if (obj.status().code() == StatusCode::kInvalidArgument) return obj.status();
      continue;
    }
    std::string name;
    if (type == model::ObjectType::kExperiment) {
      SLUICE_ASSIGN_OR_RETURN(auto e, store_.GetExperiment(id));
      name = e.name;
    } else {
      SLUICE_ASSIGN_OR_RETURN(auto d, store_.GetDataset(id));
      name = d.name;
    }
    w.BeginObject().Member("object_id", id).Member("object_name", name);
    w.Key("parent_cols").BeginObject().Key("project").BeginObject();
    w.Member("id", obj->project.id).Member("name", obj->project.name);
    w.EndObject().EndObject();
    w.Key("permissions").BeginArray().String("read");
    if (caller.key.PermissionOn(obj->project.id) >= model::Permission::kWrite) w.String("update");
    w.EndArray().EndObject();
  }
  w.EndArray();
  return ApiResponse::Json(std::move(out));
}

}  // namespace sluice::api
