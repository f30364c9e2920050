// Administrative operations behind `sluice admin`: projects and API keys, straight on the store
// (the server may be running: SQLite's WAL lets both work at once).
#pragma once

#include <string>
#include <vector>

#include "model/auth.h"
#include "store/store.h"

namespace sluice::server {

// The org to act on: `org_id` when given, else the store's only org. kFailedPrecondition when
// there is no org yet (start `sluice serve` once) or several and none was named.
Result<std::string> ResolveOrg(store::Store& store, const std::string& org_id);

struct KeyRequest {
  std::string org_id;
  std::string name;
  model::KeyKind kind = model::KeyKind::kApiKey;
  // Project ids to grant; empty = org-wide.
  std::vector<std::string> project_ids;
  model::Permission permission = model::Permission::kRead;
};

// Creates a key and returns it with its plaintext (shown once). Every project id must belong
// to the org.
Result<model::MintedKey> CreateKey(store::Store& store, const KeyRequest& request,
                                   TimestampMicros now);

}  // namespace sluice::server
