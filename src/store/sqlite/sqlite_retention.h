// Retention marks on SQLite (internal to store/sqlite): the SQL that hides what active marks
// cover, and the checks used by scans and inserts.
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

// Whether an active mark hides the row.
Result<bool> IsHidden(Connection& c, const std::vector<model::RetentionMark>& marks,
                      const model::Event& e);

}  // namespace sluice::store::sqlite
