// Versioned schema migrations for the PostgreSQL store: schema_migrations holds the versions
// applied; each migration runs in its own transaction. Concurrent openers serialise on an
// advisory lock, so several processes may start against one database at once.
#pragma once

#include "common/status.h"
#include "store/postgres/pg_db.h"

namespace sluice::store::postgres {

// The schema version this build writes.
int LatestSchemaVersion();

// Applies the missing migrations. kFailedPrecondition when the database is newer than this
// build.
Status Migrate(Connection& c);

}  // namespace sluice::store::postgres
