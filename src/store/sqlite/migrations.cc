#include "store/sqlite/migrations.h"

#include <string>
#include <vector>

#include "store/schema_sql.h"

namespace sluice::store::sqlite {

namespace {

// Rows are stored in append order: row_key is the table's key (the rowid: one more than the
// greatest, so a new version lands at the end), and reading an object in (_xact_id, row_key)
// order walks the table forward (DESIGN.md §3). A key can be reused only after the greatest
// row was deleted; the reused key then carries a newer _xact_id, so (_xact_id, row_key) cursors
// still never see it twice. No AUTOINCREMENT: it would write sqlite_sequence on every insert.
// The tables both backends define alike come from store/schema_sql.h.
const std::vector<std::string>& Migrations() {
  static const std::vector<std::string>* const kMigrations = new std::vector<std::string>{
      CatalogTablesSql(kSqliteDialect) + R"sql(
CREATE TABLE xact_counter (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  value INTEGER NOT NULL
);
INSERT INTO xact_counter (id, value) VALUES (1, 0);
CREATE TABLE events (
  row_key INTEGER PRIMARY KEY,
  object_type INTEGER NOT NULL,
  object_id TEXT NOT NULL,
  id TEXT NOT NULL,
  xact_id INTEGER NOT NULL,
  created INTEGER NOT NULL,
  span_id TEXT NOT NULL,
  root_span_id TEXT NOT NULL,
  span_parents TEXT,
  is_root INTEGER NOT NULL,
  input TEXT, output TEXT, expected TEXT, error TEXT, scores TEXT, metrics TEXT,
  metadata TEXT, span_attributes TEXT, context TEXT, origin TEXT,
  tags TEXT,
  org_id TEXT NOT NULL,
  project_id TEXT NOT NULL
);
CREATE UNIQUE INDEX events_by_id ON events (object_type, object_id, id);
CREATE INDEX events_by_xact ON events (object_type, object_id, xact_id, row_key);
CREATE INDEX events_by_created ON events (object_type, object_id, created);
CREATE INDEX events_by_root ON events (object_type, object_id, root_span_id);
)sql",
      // 2: automations, their runs, and retention marks (soft delete as a per-object watermark
      // plus exemptions; see docs/retention.md). The created index also carries _xact_id so
      // counting what a mark hides reads the index only.
      AutomationTablesSql(kSqliteDialect) + RetentionTablesSql(kSqliteDialect) + R"sql(
DROP INDEX events_by_created;
CREATE INDEX events_by_created ON events (object_type, object_id, created, xact_id);
)sql",
      // 3: export state (registration and cursor) and export file records (pending before the
      // upload, committed with the cursor move in one transaction).
      ExportTablesSql(kSqliteDialect),
      // 4: narrow event indexes. Each object gets a small integer key (event_objects), and the
      // id and root_span_id indexes hold a 64-bit hash of the text instead of the text
      // (lookups compare the text in the row too). An index entry shrinks from ~85 to ~20
      // bytes; since ids are random, every insert transaction rewrites pages all over those
      // two indexes, so their size is what a commit costs. One row per id is kept by the
      // writer, which always looks the id up before inserting.
      R"sql(
CREATE TABLE event_objects (
  obj_key INTEGER PRIMARY KEY,
  object_type INTEGER NOT NULL,
  object_id TEXT NOT NULL,
  UNIQUE (object_type, object_id)
);
INSERT INTO event_objects (object_type, object_id)
  SELECT DISTINCT object_type, object_id FROM events ORDER BY 1, 2;
DROP INDEX events_by_id;
DROP INDEX events_by_xact;
DROP INDEX events_by_created;
DROP INDEX events_by_root;
ALTER TABLE events ADD COLUMN obj_key INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN id_hash INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN root_hash INTEGER NOT NULL DEFAULT 0;
UPDATE events SET
  obj_key = (SELECT o.obj_key FROM event_objects o
             WHERE o.object_type = events.object_type AND o.object_id = events.object_id),
  id_hash = sluice_key_hash(id),
  root_hash = sluice_key_hash(root_span_id);
CREATE INDEX events_by_id ON events (obj_key, id_hash);
CREATE INDEX events_by_xact ON events (obj_key, xact_id, row_key);
CREATE INDEX events_by_created ON events (obj_key, created, xact_id);
CREATE INDEX events_by_root ON events (obj_key, root_hash);
)sql",

      // Leases: one holder of a named piece of work across processes (Store::TryAcquireLease).
      LeaseTableSql(kSqliteDialect),

      // 6: event segments (sqlite_segments.h). The events table becomes segment 0, the open one;
      // later segments are created as it fills. state: 0 open, 1 sealed, 2 being dropped,
      // 3 copying its remaining rows to moved_to before it is dropped.
      // events_all is a view over every segment for people reading the file.
      R"sql(
CREATE TABLE event_segments (
  seg INTEGER PRIMARY KEY,
  tbl TEXT NOT NULL UNIQUE,
  state INTEGER NOT NULL,
  moved_to TEXT
);
INSERT INTO event_segments (seg, tbl, state) VALUES (0, 'events', 0);
CREATE VIEW events_all AS SELECT * FROM events;
)sql",

      // 7: the git state an SDK reports when it registers an experiment.
      R"sql(
ALTER TABLE experiments ADD COLUMN repo_info TEXT;
)sql",

      // 8: the open event segment's id and root hashes are indexed in memory, not in SQLite
      // (sqlite_open_keys.h, OpenKeys); its `_by_id` and `_by_root` indexes are dropped when the
      // store opens and built when it is sealed. Nothing to change here: the version tells an
      // older sluice, which would scan the open segment for every id, to refuse the file.
      R"sql(
SELECT 1;
)sql",
      // 9: sealed segments' key tables move to the keys file beside the database (written off
      // the writer; docs/storage.md, "The keys file"), which records this token: a keys file
      // that does not hold the token of the database beside it is emptied, not trusted. A
      // segment's keys_written is set once its key tables were written from its rows, in a
      // commit after every commit those rows came from: a segment without it gets them written
      // again when the store opens. Key tables an earlier version wrote in the database, in the
      // transaction that sealed the segment, stay there and are read as before.
      R"sql(
CREATE TABLE store_identity (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  token TEXT NOT NULL
);
INSERT INTO store_identity (id, token) VALUES (1, lower(hex(randomblob(16))));
ALTER TABLE event_segments ADD COLUMN keys_written INTEGER NOT NULL DEFAULT 0;
UPDATE event_segments SET keys_written = 1 WHERE state <> 0;
)sql",
  };
  return *kMigrations;
}

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(Migrations().size()); }

Status Migrate(Connection& c) { return MigrateTo(c, LatestSchemaVersion()); }

Status MigrateTo(Connection& c, int target) {
  SLUICE_RETURN_IF_ERROR(
      c.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
             "applied INTEGER NOT NULL DEFAULT (unixepoch()))"));
  SLUICE_ASSIGN_OR_RETURN(Statement * q,
                          c.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  SLUICE_ASSIGN_OR_RETURN(bool row, q->Step());
  const int current = row ? static_cast<int>(q->Int(0)) : 0;
  q->Reset();
  if (current > LatestSchemaVersion()) {
    return FailedPreconditionError("the database has schema version " + std::to_string(current) +
                                   ", newer than this sluice (" +
                                   std::to_string(LatestSchemaVersion()) + "): upgrade sluice");
  }
  for (int v = current + 1; v <= target; ++v) {
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

}  // namespace sluice::store::sqlite
