// Versioned schema migrations for the SQLite store. Each migration runs once, in order, inside a
// transaction, and is recorded in schema_migrations; a database newer than this binary is refused.
#pragma once

#include "common/status.h"
#include "store/sqlite/sqlite_db.h"

namespace sluice::store::sqlite {

// Brings the database to the latest schema version.
Status Migrate(Connection& c);

// The schema version this binary writes.
int LatestSchemaVersion();

}  // namespace sluice::store::sqlite
