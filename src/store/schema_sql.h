// The DDL both store backends share (internal to store/): the tables whose columns are the same
// in SQLite and PostgreSQL, written once with the few words the dialects spell differently
// (SqlDialect). Each backend's migrations put these pieces in the order of its own history.
#pragma once

#include <string>

namespace sluice::store {

// How a dialect spells what differs.
struct SqlDialect {
  const char* serial_key;     // an increasing integer primary key
  const char* int64;          // a 64-bit integer column
  const char* bool_false;     // a boolean column, false by default
  const char* without_rowid;  // the suffix of a table kept in its primary key's order
};

inline constexpr SqlDialect kSqliteDialect{"INTEGER PRIMARY KEY AUTOINCREMENT", "INTEGER",
                                           "INTEGER NOT NULL DEFAULT 0", " WITHOUT ROWID"};
inline constexpr SqlDialect kPostgresDialect{"BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
                                             "BIGINT", "BOOLEAN NOT NULL DEFAULT FALSE", ""};

// orgs, projects, experiments, datasets, api_keys.
std::string CatalogTablesSql(const SqlDialect& d);
// automations and automation_runs (with its index by automation).
std::string AutomationTablesSql(const SqlDialect& d);
// retention_marks (with its indexes by object and by run) and retention_exempt.
std::string RetentionTablesSql(const SqlDialect& d);
// export_state and export_files (with its indexes by state and by run).
std::string ExportTablesSql(const SqlDialect& d);
// leases.
std::string LeaseTableSql(const SqlDialect& d);

}  // namespace sluice::store
