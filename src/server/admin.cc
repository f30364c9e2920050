#include "server/admin.h"

namespace sluice::server {

Result<std::string> ResolveOrg(store::Store& store, const std::string& org_id) {
  if (!org_id.empty()) return org_id;
  SLUICE_ASSIGN_OR_RETURN(auto orgs, store.ListOrgs());
  if (orgs.empty()) {
    return FailedPreconditionError(
        "the store has no org yet: start `sluice serve` once to create one");
  }
  if (orgs.size() > 1) {
    return FailedPreconditionError("the store has several orgs: name one with --org");
  }
  return orgs[0].id;
}

Result<model::MintedKey> CreateKey(store::Store& store, const KeyRequest& r, TimestampMicros now) {
  if (r.name.empty()) return InvalidArgumentError("--name is required");
  std::vector<model::Grant> grants;
  for (const auto& pid : r.project_ids) {
    SLUICE_ASSIGN_OR_RETURN(model::Project p, store.GetProject(pid));
    if (p.org_id != r.org_id) return NotFoundError("project " + pid + " not found in this org");
    grants.push_back({pid, r.permission});
  }
  if (grants.empty()) grants.push_back({"", r.permission});
  model::MintedKey m = model::MintKey(r.kind, r.org_id, r.name, grants, now);
  SLUICE_RETURN_IF_ERROR(store.CreateApiKey(m.key));
  return m;
}

}  // namespace sluice::server
