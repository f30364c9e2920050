// Retention marks on SQLite (internal to store/sqlite): the SQL that hides what active marks
// cover, the checks used by scans and inserts, and what the purge (sqlite_purge.cc) shares.
#pragma once

#include <string>
#include <vector>

#include "model/automation.h"
#include "model/event.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store_sql.h"

namespace sluice::store::sqlite {

// The active marks of one object, oldest first.
Result<std::vector<model::RetentionMark>> LoadActiveMarks(Connection& c,
                                                          const model::ObjectRef& object);

// The marks `where` selects (its text parameters bound from `args`), oldest first.
Result<std::vector<model::RetentionMark>> QueryMarks(Connection& c, const std::string& where,
                                                     const std::vector<std::string>& args);

// The events of object `o` (its id bound as ?1), through the object's integer key.
std::string ObjectSql(const model::ObjectRef& o);

Status SetMarkState(Connection& c, int64_t id, model::MarkState state);

// Whether an active mark hides the row.
Result<bool> IsHidden(Connection& c, const std::vector<model::RetentionMark>& marks,
                      const model::Event& e);

}  // namespace sluice::store::sqlite
