// Mapping between PostgreSQL rows and model types for PgStore (internal to store/postgres).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/auth.h"
#include "model/automation.h"
#include "model/event.h"
#include "store/postgres/pg_db.h"
#include "store/store.h"
#include "store/store_sql.h"

namespace sluice::store::postgres {

// Catalog lists: "SELECT <cols> FROM <table> WHERE <where> [option filters] ORDER BY seq DESC
// LIMIT n", newest first, honouring limit/starting_after/ending_before/name/ids/project_id.
// `where` numbers its parameters from $1 to $args.size().
template <typename T>
using RowReader = T (*)(const Rows& r, int row);
Result<std::vector<model::Project>> QueryProjects(Connection& c, const std::string& where,
                                                  const std::vector<std::string>& args,
                                                  const ListOptions& options);
Result<std::vector<model::Experiment>> QueryExperiments(Connection& c, const std::string& where,
                                                        const std::vector<std::string>& args,
                                                        const ListOptions& options);
Result<std::vector<model::Dataset>> QueryDatasets(Connection& c, const std::string& where,
                                                  const std::vector<std::string>& args,
                                                  const ListOptions& options);
Result<std::vector<model::Automation>> QueryAutomations(Connection& c, const std::string& where,
                                                        const std::vector<std::string>& args,
                                                        const ListOptions& options);
Result<std::vector<model::ApiKey>> QueryApiKeys(Connection& c, const std::string& where,
                                                const std::vector<std::string>& args);

// The columns of a comma-separated column list.
constexpr int CountColumns(std::string_view columns) {
  int n = 1;
  for (char ch : columns) n += ch == ',';
  return n;
}

// The column list read by ReadPgEvent, in order, and the positions of the columns a scan's
// keyset reads; kEventColumnCount is the first column after them.
inline constexpr char kEventColumns[] =
    "row_key, id, xact_id, created, span_id, root_span_id, span_parents, is_root, input, output, "
    "expected, error, scores, metrics, metadata, span_attributes, context, origin, tags, org_id, "
    "project_id, object_type, object_id";
inline constexpr int kRowKeyColumn = 0;
inline constexpr int kXactIdColumn = 2;
inline constexpr int kCreatedColumn = 3;
inline constexpr int kEventColumnCount = CountColumns(kEventColumns);
// ReadPgEvent reads 23 columns: a column added above needs reading there.
static_assert(kEventColumnCount == 23);
// Reads one row of kEventColumns from a result in binary format (Connection::QueryOnceBinary,
// or Send with binary results) into *e, reusing its strings' storage (scans call it once per
// row).
void ReadPgEvent(const Rows& r, int row, model::Event* e);

}  // namespace sluice::store::postgres
