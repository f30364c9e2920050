#include "store/schema_sql.h"

#include <string_view>

namespace sluice::store {
namespace {

// Replaces {serial}, {i64}, {bool} and {norowid} in `text` with the dialect's words.
std::string Expand(std::string_view text, const SqlDialect& d) {
  std::string out;
  out.reserve(text.size() + 256);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') {
      out.push_back(text[i]);
      continue;
    }
    const size_t end = text.find('}', i);
    const std::string_view word = text.substr(i + 1, end - i - 1);
    if (word == "serial") out += d.serial_key;
    if (word == "i64") out += d.int64;
    if (word == "bool") out += d.bool_false;
    if (word == "norowid") out += d.without_rowid;
    i = end;
  }
  return out;
}

}  // namespace

std::string CatalogTablesSql(const SqlDialect& d) {
  return Expand(R"sql(
CREATE TABLE orgs (
  seq {serial},
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  created {i64} NOT NULL
);
CREATE TABLE projects (
  seq {serial},
  id TEXT NOT NULL UNIQUE,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL,
  description TEXT,
  created {i64} NOT NULL,
  UNIQUE (org_id, name)
);
CREATE TABLE experiments (
  seq {serial},
  id TEXT NOT NULL UNIQUE,
  org_id TEXT NOT NULL,
  project_id TEXT NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  description TEXT,
  created {i64} NOT NULL,
  public {bool},
  metadata TEXT,
  tags TEXT,
  dataset_id TEXT,
  base_exp_id TEXT,
  UNIQUE (project_id, name)
);
CREATE TABLE datasets (
  seq {serial},
  id TEXT NOT NULL UNIQUE,
  org_id TEXT NOT NULL,
  project_id TEXT NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  description TEXT,
  created {i64} NOT NULL,
  metadata TEXT,
  tags TEXT,
  UNIQUE (project_id, name)
);
CREATE TABLE api_keys (
  seq {serial},
  id TEXT NOT NULL UNIQUE,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  lookup TEXT NOT NULL UNIQUE,
  salt TEXT NOT NULL,
  hash TEXT NOT NULL,
  grants TEXT NOT NULL,
  created {i64} NOT NULL,
  revoked {i64}
);
)sql",
                d);
}

std::string AutomationTablesSql(const SqlDialect& d) {
  return Expand(R"sql(
CREATE TABLE automations (
  seq {serial},
  id TEXT NOT NULL UNIQUE,
  org_id TEXT NOT NULL,
  project_id TEXT NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  description TEXT,
  created {i64} NOT NULL,
  type INTEGER NOT NULL,
  config TEXT NOT NULL,
  UNIQUE (project_id, name)
);
CREATE TABLE automation_runs (
  seq {serial},
  id TEXT NOT NULL UNIQUE,
  automation_id TEXT NOT NULL,
  trigger INTEGER NOT NULL,
  status INTEGER NOT NULL,
  started {i64} NOT NULL,
  finished {i64},
  stats TEXT NOT NULL,
  error TEXT
);
CREATE INDEX automation_runs_by_automation ON automation_runs (automation_id, seq);
)sql",
                d);
}

std::string RetentionTablesSql(const SqlDialect& d) {
  return Expand(R"sql(
CREATE TABLE retention_marks (
  id {serial},
  run_id TEXT NOT NULL,
  automation_id TEXT NOT NULL,
  object_type INTEGER NOT NULL,
  object_id TEXT NOT NULL,
  cutoff {i64} NOT NULL,
  max_xact_id {i64} NOT NULL,
  created {i64} NOT NULL,
  purge_after {i64} NOT NULL,
  state INTEGER NOT NULL
);
CREATE INDEX retention_marks_by_object ON retention_marks (object_type, object_id, state);
CREATE INDEX retention_marks_by_run ON retention_marks (run_id);
CREATE TABLE retention_exempt (
  mark_id {i64} NOT NULL,
  row_key {i64} NOT NULL,
  PRIMARY KEY (mark_id, row_key)
){norowid};
)sql",
                d);
}

std::string ExportTablesSql(const SqlDialect& d) {
  return Expand(R"sql(
CREATE TABLE export_state (
  automation_id TEXT PRIMARY KEY,
  token_key_id TEXT NOT NULL,
  registered {i64} NOT NULL,
  cursor_xact {i64} NOT NULL DEFAULT 0,
  cursor_row {i64} NOT NULL DEFAULT 0
){norowid};
CREATE TABLE export_files (
  id {serial},
  automation_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  key TEXT NOT NULL,
  date_folder TEXT NOT NULL,
  sequence {i64} NOT NULL,
  state INTEGER NOT NULL,
  from_xact {i64} NOT NULL,
  from_row {i64} NOT NULL,
  xact_bound {i64} NOT NULL,
  row_limit {i64} NOT NULL,
  to_xact {i64} NOT NULL DEFAULT 0,
  to_row {i64} NOT NULL DEFAULT 0,
  rows {i64} NOT NULL DEFAULT 0,
  bytes {i64} NOT NULL DEFAULT 0,
  sha256 TEXT,
  created {i64} NOT NULL,
  UNIQUE (automation_id, date_folder, sequence)
);
CREATE INDEX export_files_by_state ON export_files (automation_id, state);
CREATE INDEX export_files_by_run ON export_files (run_id, id);
)sql",
                d);
}

std::string LeaseTableSql(const SqlDialect& d) {
  return Expand(R"sql(
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires {i64} NOT NULL
);
)sql",
                d);
}

}  // namespace sluice::store
