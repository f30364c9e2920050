// Retention marks on PostgreSQL (internal to store/postgres): the SQL that hides what active
// marks cover, as on SQLite (store/sqlite/sqlite_retention.h).
#pragma once

#include <string>
#include <vector>

#include "model/automation.h"
#include "store/postgres/pg_db.h"
#include "store/store_sql.h"

namespace sluice::store::postgres {

// The active marks of one object, oldest first.
Result<std::vector<model::RetentionMark>> LoadActiveMarks(Connection& c,
                                                          const model::ObjectRef& object);

}  // namespace sluice::store::postgres
