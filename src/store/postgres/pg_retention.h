// Retention marks on PostgreSQL (internal to store/postgres): the SQL that hides what active
// marks cover, as on SQLite (store/sqlite/sqlite_retention.h).
#pragma once

#include <string>
#include <vector>

#include "model/automation.h"
#include "store/postgres/pg_db.h"

namespace sluice::store::postgres {

// The active marks of one object, oldest first.
Result<std::vector<model::RetentionMark>> LoadActiveMarks(Connection& c,
                                                          const model::ObjectRef& object);

// " AND NOT (<hidden by any mark>)" over the events table's columns, or "" when no marks.
std::string VisibleSql(const std::vector<model::RetentionMark>& marks);

// The condition that one mark hides a row (mark id -1: no exemptions).
std::string MarkHidesSql(const model::RetentionMark& m);

// " AND id NOT IN (<experiments removed whole by active marks>)" for the experiments table.
extern const char kVisibleExperimentsSql[];

}  // namespace sluice::store::postgres
