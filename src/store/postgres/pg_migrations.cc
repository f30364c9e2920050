#include "store/postgres/pg_migrations.h"

#include <string>
#include <vector>

namespace sluice::store::postgres {

namespace {

// The advisory lock key migrations hold (an arbitrary constant of this project).
constexpr int64_t kMigrationLockKey = 0x736c756963650001;

// Tables mirror the SQLite schema (store/sqlite/migrations.cc) with PostgreSQL types. Events
// are kept in append order by row_key (an identity column); a new version of a row is a new
// row_key. event_xacts records, for every writing transaction, its _xact_id and its
// PostgreSQL transaction id, which MaxXactId uses to find the watermark (docs/storage.md).
const std::vector<std::string>& Migrations() {
  static const std::vector<std::string>* const kMigrations = new std::vector<std::string>{
      R"sql(
CREATE TABLE orgs (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  created BIGINT NOT NULL
);
CREATE TABLE projects (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL,
  description TEXT,
  created BIGINT NOT NULL,
  UNIQUE (org_id, name)
);
CREATE TABLE experiments (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  org_id TEXT NOT NULL,
  project_id TEXT NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  description TEXT,
  created BIGINT NOT NULL,
  public BOOLEAN NOT NULL DEFAULT FALSE,
  metadata TEXT,
  tags TEXT,
  dataset_id TEXT,
  base_exp_id TEXT,
  UNIQUE (project_id, name)
);
CREATE TABLE datasets (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  org_id TEXT NOT NULL,
  project_id TEXT NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  description TEXT,
  created BIGINT NOT NULL,
  metadata TEXT,
  tags TEXT,
  UNIQUE (project_id, name)
);
CREATE TABLE api_keys (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  lookup TEXT NOT NULL UNIQUE,
  salt TEXT NOT NULL,
  hash TEXT NOT NULL,
  grants TEXT NOT NULL,
  created BIGINT NOT NULL,
  revoked BIGINT
);
CREATE SEQUENCE xact_ids AS BIGINT;
CREATE TABLE event_xacts (
  xact_id BIGINT PRIMARY KEY,
  pg_xact xid8 NOT NULL
);
CREATE TABLE events (
  row_key BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  object_type INTEGER NOT NULL,
  object_id TEXT NOT NULL,
  id TEXT NOT NULL,
  xact_id BIGINT NOT NULL,
  created BIGINT NOT NULL,
  span_id TEXT NOT NULL,
  root_span_id TEXT NOT NULL,
  span_parents TEXT,
  is_root BOOLEAN NOT NULL,
  input TEXT, output TEXT, expected TEXT, error TEXT, scores TEXT, metrics TEXT,
  metadata TEXT, span_attributes TEXT, context TEXT, origin TEXT,
  tags TEXT,
  org_id TEXT NOT NULL,
  project_id TEXT NOT NULL
);
CREATE UNIQUE INDEX events_by_id ON events (object_type, object_id, id);
CREATE INDEX events_by_xact ON events (object_type, object_id, xact_id, row_key);
CREATE INDEX events_by_created ON events (object_type, object_id, created, row_key);
CREATE INDEX events_by_root ON events (object_type, object_id, root_span_id);
CREATE TABLE automations (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  org_id TEXT NOT NULL,
  project_id TEXT NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  description TEXT,
  created BIGINT NOT NULL,
  type INTEGER NOT NULL,
  config TEXT NOT NULL,
  UNIQUE (project_id, name)
);
CREATE TABLE automation_runs (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  automation_id TEXT NOT NULL,
  trigger INTEGER NOT NULL,
  status INTEGER NOT NULL,
  started BIGINT NOT NULL,
  finished BIGINT,
  stats TEXT NOT NULL,
  error TEXT
);
CREATE INDEX automation_runs_by_automation ON automation_runs (automation_id, seq);
CREATE TABLE retention_marks (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id TEXT NOT NULL,
  automation_id TEXT NOT NULL,
  object_type INTEGER NOT NULL,
  object_id TEXT NOT NULL,
  cutoff BIGINT NOT NULL,
  max_xact_id BIGINT NOT NULL,
  created BIGINT NOT NULL,
  purge_after BIGINT NOT NULL,
  state INTEGER NOT NULL
);
CREATE INDEX retention_marks_by_object ON retention_marks (object_type, object_id, state);
CREATE INDEX retention_marks_by_run ON retention_marks (run_id);
CREATE TABLE retention_exempt (
  mark_id BIGINT NOT NULL,
  row_key BIGINT NOT NULL,
  PRIMARY KEY (mark_id, row_key)
);
CREATE TABLE export_state (
  automation_id TEXT PRIMARY KEY,
  token_key_id TEXT NOT NULL,
  registered BIGINT NOT NULL,
  cursor_xact BIGINT NOT NULL DEFAULT 0,
  cursor_row BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE export_files (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  automation_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  key TEXT NOT NULL,
  date_folder TEXT NOT NULL,
  sequence BIGINT NOT NULL,
  state INTEGER NOT NULL,
  from_xact BIGINT NOT NULL,
  from_row BIGINT NOT NULL,
  xact_bound BIGINT NOT NULL,
  row_limit BIGINT NOT NULL,
  to_xact BIGINT NOT NULL DEFAULT 0,
  to_row BIGINT NOT NULL DEFAULT 0,
  rows BIGINT NOT NULL DEFAULT 0,
  bytes BIGINT NOT NULL DEFAULT 0,
  sha256 TEXT,
  created BIGINT NOT NULL,
  UNIQUE (automation_id, date_folder, sequence)
);
CREATE INDEX export_files_by_state ON export_files (automation_id, state);
CREATE INDEX export_files_by_run ON export_files (run_id, id);
)sql",

      // Leases: one holder of a named piece of work across processes (Store::TryAcquireLease).
      R"sql(
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires BIGINT NOT NULL
);
)sql",

      // The git state an SDK reports when it registers an experiment.
      R"sql(
ALTER TABLE experiments ADD COLUMN repo_info TEXT;
)sql",
  };
  return *kMigrations;
}

Status ApplyMissing(Connection& c) {
  SLUICE_RETURN_IF_ERROR(
      c.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
             "applied TIMESTAMPTZ NOT NULL DEFAULT now())"));
  SLUICE_ASSIGN_OR_RETURN(Rows r,
                          c.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  const int current = static_cast<int>(r.Int(0, 0));
  if (current > LatestSchemaVersion()) {
    return FailedPreconditionError("the database has schema version " + std::to_string(current) +
                                   ", newer than this sluice (" +
                                   std::to_string(LatestSchemaVersion()) + "): upgrade sluice");
  }
  for (int v = current + 1; v <= LatestSchemaVersion(); ++v) {
    Transaction txn(c);
    SLUICE_RETURN_IF_ERROR(txn.Begin());
    SLUICE_RETURN_IF_ERROR(
        c.Exec(Migrations()[v - 1]).WithContext("migration " + std::to_string(v)));
    SLUICE_RETURN_IF_ERROR(
        c.Exec("INSERT INTO schema_migrations (version) VALUES (" + std::to_string(v) + ")"));
    SLUICE_RETURN_IF_ERROR(txn.Commit());
  }
  return Status();
}

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(Migrations().size()); }

Status Migrate(Connection& c) {
  SLUICE_RETURN_IF_ERROR(
      c.Exec("SELECT pg_advisory_lock(" + std::to_string(kMigrationLockKey) + ")"));
  Status st = ApplyMissing(c);
  c.Exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")").IgnoreError();
  return st;
}

}  // namespace sluice::store::postgres
