// Authenticator: turns `Authorization: Bearer <key>` into the caller's identity, and checks the
// caller's permission on a project. A key never learns that another org's objects exist: those
// answer kNotFound, exactly like ids that exist nowhere. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "model/auth.h"
#include "model/object.h"
#include "store/catalog.h"

namespace sluice::api {

struct Caller {
  model::ApiKey key;
};

// An object that holds rows, with the project it belongs to.
struct ResolvedObject {
  model::ObjectRef ref;
  model::Project project;
};

class Authenticator {
 public:
  explicit Authenticator(store::Catalog& store) : store_(store) {}

  // kUnauthenticated with a message saying what is wrong (missing header, not Bearer, unknown
  // or revoked key).
  Result<Caller> Authenticate(std::string_view authorization_header);

  // Loads the project and checks the caller may act on it with `needed`. kNotFound when the
  // project does not exist or belongs to another org; kPermissionDenied when the key's
  // permission is lower, saying which it has and which `action` needs.
  Result<model::Project> RequireProject(const Caller& caller, const std::string& project_id,
                                        model::Permission needed, std::string_view action);

  // The object (a project's logs, an experiment or a dataset) and its project, checking the
  // caller may act on it with `needed`. kInvalidArgument for an id that is not a UUID;
  // kNotFound for an object that does not exist or belongs to another org (named as such).
  Result<ResolvedObject> RequireObject(const Caller& caller, const model::ObjectRef& object,
                                       model::Permission needed, std::string_view action);

  // Org-wide permission check (e.g. creating projects).
  Status RequireOrg(const Caller& caller, model::Permission needed, std::string_view action);

 private:
  store::Catalog& store_;
};

}  // namespace sluice::api
