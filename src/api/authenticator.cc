#include "api/authenticator.h"

#include "api/request_body.h"

namespace sluice::api {

Result<Caller> Authenticator::Authenticate(std::string_view header) {
  if (header.empty()) {
    return UnauthenticatedError(
        "missing Authorization header: send \"Authorization: Bearer <API key>\"");
  }
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.substr(0, kBearer.size()) != kBearer) {
    return UnauthenticatedError("the Authorization header must be \"Bearer <API key>\"");
  }
  std::string_view token = header.substr(kBearer.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  SLUICE_ASSIGN_OR_RETURN(std::string lookup, model::KeyLookupPart(token));
  SLUICE_ASSIGN_OR_RETURN(auto key, store_.FindApiKeyByLookup(lookup));
  if (!key || !model::KeyMatches(*key, token)) {
    return UnauthenticatedError("invalid API key");
  }
  if (key->revoked) return UnauthenticatedError("this API key has been revoked");
  return Caller{std::move(*key)};
}

Result<model::Project> Authenticator::RequireProject(const Caller& caller,
                                                     const std::string& project_id,
                                                     model::Permission needed,
                                                     std::string_view action) {
  auto project = store_.GetProject(project_id);
  if (!project.ok() || project->org_id != caller.key.org_id) {
    if (project.ok() || project.status().code() == StatusCode::kNotFound) {
      return NotFoundError("project " + project_id + " not found");
    }
    return project.status();
  }
  const model::Permission has = caller.key.PermissionOn(project_id);
  if (has == model::Permission::kNone) {
    // The key belongs to the org but has no grant here: say so rather than pretend it is absent.
    return PermissionDeniedError("this API key has no permission on project " + project_id + "; " +
                                 std::string(action) + " needs " +
                                 std::string(model::PermissionName(needed)));
  }
  if (has < needed) {
    return PermissionDeniedError("this API key has " + std::string(model::PermissionName(has)) +
                                 " permission on project " + project_id + "; " +
                                 std::string(action) + " needs " +
                                 std::string(model::PermissionName(needed)));
  }
  return project;
}

Result<ResolvedObject> Authenticator::RequireObject(const Caller& caller,
                                                    const model::ObjectRef& object,
                                                    model::Permission needed,
                                                    std::string_view action) {
  const std::string type(model::ObjectTypeName(object.type));
  std::string project_id;
  switch (object.type) {
    case model::ObjectType::kProjectLogs:
      SLUICE_RETURN_IF_ERROR(CheckUuid(object.id, "project_id"));
      project_id = object.id;
      break;
    case model::ObjectType::kExperiment: {
      SLUICE_RETURN_IF_ERROR(CheckUuid(object.id, "experiment_id"));
      SLUICE_ASSIGN_OR_RETURN(auto e, store_.GetExperiment(object.id));
      project_id = e.project_id;
      break;
    }
    case model::ObjectType::kDataset: {
      SLUICE_RETURN_IF_ERROR(CheckUuid(object.id, "dataset_id"));
      SLUICE_ASSIGN_OR_RETURN(auto d, store_.GetDataset(object.id));
      project_id = d.project_id;
      break;
    }
  }
  auto project = RequireProject(caller, project_id, needed, action);
  if (!project.ok()) {
    // Another org's experiment or dataset is reported as missing under its own name.
    if (project.status().code() == StatusCode::kNotFound &&
        object.type != model::ObjectType::kProjectLogs) {
      return NotFoundError(type + " " + object.id + " not found");
    }
    return project.status();
  }
  return ResolvedObject{object, std::move(project).value()};
}

Status Authenticator::RequireOrg(const Caller& caller, model::Permission needed,
                                 std::string_view action) {
  model::Permission has = model::Permission::kNone;
  for (const auto& g : caller.key.grants) {
    if (g.project_id.empty() && g.permission > has) has = g.permission;
  }
  if (has < needed) {
    return PermissionDeniedError(
        std::string(action) + " needs org-wide " + std::string(model::PermissionName(needed)) +
        " permission; this API key has " + std::string(model::PermissionName(has)));
  }
  return Status();
}

}  // namespace sluice::api
