// Mapping between SQLite rows and model types for SqliteStore (internal to store/sqlite).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/auth.h"
#include "model/automation.h"
#include "model/event.h"
#include "model/event_write.h"
#include "model/object.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"
#include "store/store_sql.h"

namespace sluice::store::sqlite {

// Catalog queries: `where` is an SQL condition over the table with `?` for each arg.
// Results are newest first and honour options.limit/starting_after/ending_before/name/ids.
Result<std::vector<model::Project>> QueryProjects(Connection& c, const std::string& where,
                                                  const std::vector<std::string>& args,
                                                  const ListOptions& options);
Result<std::vector<model::Experiment>> QueryExperiments(Connection& c, const std::string& where,
                                                        const std::vector<std::string>& args,
                                                        const ListOptions& options);
Result<std::vector<model::Dataset>> QueryDatasets(Connection& c, const std::string& where,
                                                  const std::vector<std::string>& args,
                                                  const ListOptions& options);
// Columns read by ReadAutomation, in order.
extern const char kAutomationColumns[];
model::Automation ReadAutomation(const Statement& s);
Result<std::vector<model::Automation>> QueryAutomations(Connection& c, const std::string& where,
                                                        const std::vector<std::string>& args,
                                                        const ListOptions& options);
Result<std::vector<model::ApiKey>> QueryApiKeys(Connection& c, const std::string& where,
                                                const std::vector<std::string>& args);

// Column values of an events row derived from its event, computed before the write lock is
// taken so the writer only binds them.
struct DerivedColumns {
  int64_t id_hash = 0;
  int64_t root_hash = 0;
  std::string span_parents;  // JSON array text, "" for none (stored as NULL)
  std::string tags;          // likewise
  // A fresh row's JSON fields, bound from its write (model::WrittenTexts): "" for NULL.
  model::WrittenTextsArray written{};
};
DerivedColumns DeriveColumns(const model::Event& e);

// The column list read by ReadEvent, in order.
extern const char kEventColumns[];
// An object's key in event_objects as an SQL expression over ?1 (object type) and ?2 (object
// id): NULL, which matches no row, for an object that never had rows. SQLite evaluates it once
// per statement and seeks the (obj_key, …) indexes with it.
inline constexpr char kObjectKeySql[] =
    "(SELECT obj_key FROM event_objects WHERE object_type = ?1 AND object_id = ?2)";
// The key of the events of `object` in event_objects, if it ever had any.
Result<std::optional<int64_t>> ObjectKey(Connection& c, const model::ObjectRef& object);
// The last _xact_id taken (0 before the first write), as `c`'s snapshot sees it. Every write
// of events takes one, whichever process makes it.
Result<uint64_t> LastXactId(Connection& c);

// Reads an event from a statement positioned on a row selected with kEventColumns.
model::Event ReadEvent(const Statement& s);
// The same into `e`, reusing the storage of its strings (no allocation once they are large
// enough): scans read every row through it.
void ReadEventInto(const Statement& s, model::Event* e);

}  // namespace sluice::store::sqlite
