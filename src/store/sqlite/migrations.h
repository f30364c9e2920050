// Versioned schema migrations for the SQLite store. Each migration runs once, in order, inside a
// transaction, and is recorded in schema_migrations; a database newer than this binary is refused.
#pragma once

#include "common/status.h"
#include "store/sqlite/sqlite_db.h"

namespace sluice::store::sqlite {

// Brings the database to the latest schema version.
Status Migrate(Connection& c);

// Brings the database to schema version `target` (tests build older databases with it).
// REQUIRES: 0 < target <= LatestSchemaVersion().
Status MigrateTo(Connection& c, int target);

// The schema version this binary writes.
int LatestSchemaVersion();

}  // namespace sluice::store::sqlite
