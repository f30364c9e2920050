#include "store/postgres/pg_migrations.h"

#include <string>
#include <vector>

#include "store/schema_sql.h"

namespace sluice::store::postgres {

namespace {

// The advisory lock key migrations hold (an arbitrary constant of this project).
constexpr int64_t kMigrationLockKey = 0x736c756963650001;

// Tables mirror the SQLite schema (store/sqlite/migrations.cc) with PostgreSQL types. Events
// are kept in append order by row_key (an identity column); a new version of a row is a new
// row_key. event_xacts records, for every writing transaction, its _xact_id and its
// PostgreSQL transaction id, which MaxXactId uses to find the watermark (docs/storage.md). The
// tables both backends define alike come from store/schema_sql.h.
const std::vector<std::string>& Migrations() {
  static const std::vector<std::string>* const kMigrations = new std::vector<std::string>{
      CatalogTablesSql(kPostgresDialect) + R"sql(
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
)sql" + AutomationTablesSql(kPostgresDialect) +
          RetentionTablesSql(kPostgresDialect) + ExportTablesSql(kPostgresDialect),

      // Leases: one holder of a named piece of work across processes (Store::TryAcquireLease).
      LeaseTableSql(kPostgresDialect),

      // The git state an SDK reports when it registers an experiment.
      R"sql(
ALTER TABLE experiments ADD COLUMN repo_info TEXT;
)sql",

      // Row texts past PostgreSQL's 2 KB tuple threshold compressed with LZ4 instead of pglz:
      // pglz took 13% of the server's CPU on ingest (docs/benchmarks.md "PostgreSQL at full
      // speed"), and LZ4 reads back faster. Rows already stored keep their compression. A
      // server built without LZ4 keeps pglz.
      R"sql(
DO $$
BEGIN
  ALTER TABLE events
    ALTER COLUMN input SET COMPRESSION lz4, ALTER COLUMN output SET COMPRESSION lz4,
    ALTER COLUMN expected SET COMPRESSION lz4, ALTER COLUMN error SET COMPRESSION lz4,
    ALTER COLUMN scores SET COMPRESSION lz4, ALTER COLUMN metrics SET COMPRESSION lz4,
    ALTER COLUMN metadata SET COMPRESSION lz4, ALTER COLUMN span_attributes SET COMPRESSION lz4,
    ALTER COLUMN context SET COMPRESSION lz4, ALTER COLUMN origin SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN NULL;
END $$;
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
