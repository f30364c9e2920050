// Sealed segments' key tables (sqlite_segments.h, SealedKeysDdl) and the keys file that holds
// them (docs/storage.md, "The keys file"): writing them from a segment's OpenKeys or its table,
// the key worker's jobs that do so beside the inserts (key_worker.h), and what the store checks
// of the file when it opens.
#include <algorithm>
#include <chrono>

#include "common/catch_all.h"
#include "common/log.h"
#include "store/sqlite/sqlite_segments.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::store::sqlite {

namespace {

struct KeyEntry {
  int64_t obj_key;
  int64_t hash;
  int64_t row_key;
  auto operator<=>(const KeyEntry&) const = default;
};

// Inserts `entries`, sorted, into `table` (one of a segment's key tables): each lands after the
// last, on the B-tree's last page. Many rows per statement: a statement's step, reset and
// bindings cost about what a row's insert does.
Status InsertKeys(Connection& c, const std::string& table, std::vector<KeyEntry>& entries) {
  constexpr size_t kRowsPerInsert = 64;
  std::sort(entries.begin(), entries.end());
  entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
  auto sql_for = [&](size_t rows) {
    std::string sql = "INSERT INTO " + table + " VALUES (?, ?, ?)";
    for (size_t j = 1; j < rows; ++j) sql += ", (?, ?, ?)";
    return sql;
  };
  const std::string full = sql_for(kRowsPerInsert);
  for (size_t i = 0; i < entries.size(); i += kRowsPerInsert) {
    const size_t n = std::min(kRowsPerInsert, entries.size() - i);
    SLUICE_ASSIGN_OR_RETURN(Statement * ins, c.Prepare(n == kRowsPerInsert ? full : sql_for(n)));
    for (size_t j = 0; j < n; ++j) {
      const KeyEntry& e = entries[i + j];
      const int p = static_cast<int>(3 * j);
      ins->Bind(p + 1, e.obj_key).Bind(p + 2, e.hash).Bind(p + 3, e.row_key);
    }
    const Status inserted = ins->Run();
    ins->Reset();
    SLUICE_RETURN_IF_ERROR(inserted);
  }
  return Status();
}

}  // namespace

Result<std::shared_ptr<const IdFilter>> WriteSealedKeys(Connection& rows, Connection& keys_to,
                                                        const std::string& table, OpenKeys& keys) {
  SLUICE_RETURN_IF_ERROR(keys.Load(rows, table));
  // Each row's object, from the narrow _xact_id index (row_key is its rowid), by row key: a
  // segment's row keys are nearly consecutive (new rows take the next; moved rows keep theirs),
  // so an array over their range (a binary search per key made seals about a quarter slower),
  // else a sorted list (SegmentRetentionTest.XactScansReadSegmentsOneByOne… seals a segment of
  // moved rows that takes it).
  std::vector<std::pair<int64_t, int64_t>> objects;
  objects.reserve(keys.rows());
  int64_t least = INT64_MAX;
  int64_t greatest = INT64_MIN;
  {
    SLUICE_ASSIGN_OR_RETURN(Statement * q, rows.Prepare("SELECT row_key, obj_key FROM " + table +
                                                        " INDEXED BY " + table + "_by_xact"));
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(bool row, q->Step());
      if (!row) break;
      objects.emplace_back(q->Int(0), q->Int(1));
      least = std::min(least, q->Int(0));
      greatest = std::max(greatest, q->Int(0));
    }
    q->Reset();
  }
  constexpr int64_t kNoObject = INT64_MIN;
  std::vector<int64_t> dense;
  if (!objects.empty() && static_cast<uint64_t>(greatest - least) < 2 * objects.size()) {
    dense.assign(static_cast<size_t>(greatest - least) + 1, kNoObject);
    for (const auto& [row_key, obj] : objects) dense[static_cast<size_t>(row_key - least)] = obj;
    objects.clear();
  } else {
    std::sort(objects.begin(), objects.end());
  }
  auto object_of = [&](int64_t row_key) -> std::optional<int64_t> {
    if (!dense.empty()) {
      if (row_key < least || row_key > greatest) return std::nullopt;
      const int64_t obj = dense[static_cast<size_t>(row_key - least)];
      if (obj == kNoObject) return std::nullopt;  // gone since
      return obj;
    }
    auto it = std::lower_bound(objects.begin(), objects.end(), std::make_pair(row_key, INT64_MIN));
    if (it == objects.end() || it->first != row_key) return std::nullopt;  // gone since
    return it->second;
  };
  std::vector<KeyEntry> entries;
  entries.reserve(keys.rows());
  keys.ForEachId([&](int64_t hash, int64_t row_key) {
    if (auto obj = object_of(row_key)) entries.push_back({*obj, hash, row_key});
  });
  auto filter = std::make_shared<IdFilter>(entries.size());
  for (const KeyEntry& e : entries) filter->Add(e.obj_key, e.hash);
  SLUICE_RETURN_IF_ERROR(InsertKeys(keys_to, table + "_ids", entries));
  entries.clear();
  keys.ForEachRoot([&](int64_t hash, int64_t row_key) {
    if (auto obj = object_of(row_key)) entries.push_back({*obj, hash, row_key});
  });
  SLUICE_RETURN_IF_ERROR(InsertKeys(keys_to, table + "_roots", entries));
  return std::shared_ptr<const IdFilter>(std::move(filter));
}

std::string SealedKeysFromTableSql(const std::string& table) {
  return "INSERT INTO " + table + "_ids SELECT obj_key, id_hash, row_key FROM " + table +
         " ORDER BY 1, 2, 3; INSERT INTO " + table +
         "_roots SELECT obj_key, root_hash, row_key FROM " + table + " ORDER BY 1, 2, 3;";
}

Result<std::shared_ptr<const IdFilter>> BuildIdFilter(Connection& c, const std::string& table,
                                                      const std::atomic<bool>* stop) {
  // The rows are counted first (the second pass then finds the table's pages in the cache), so
  // the filter is sized before the ids are added: collecting them first took 4–12 MB while the
  // filter was built, and a server builds one per sealed segment when it starts, beside
  // whatever else it is doing.
  SLUICE_ASSIGN_OR_RETURN(Statement * count, c.Prepare("SELECT count(*) FROM " + table + "_ids"));
  SLUICE_ASSIGN_OR_RETURN(bool counted, count->Step());
  const int64_t rows = counted ? count->Int(0) : 0;
  count->Reset();
  auto filter = std::make_shared<IdFilter>(static_cast<size_t>(rows));
  SLUICE_ASSIGN_OR_RETURN(Statement * q,
                          c.Prepare("SELECT obj_key, id_hash FROM " + table + "_ids"));
  for (int64_t i = 0;; ++i) {
    if (stop != nullptr && (i & 4095) == 0 && stop->load(std::memory_order_relaxed)) {
      q->Reset();
      return CancelledError("the store is closing");
    }
    SLUICE_ASSIGN_OR_RETURN(bool row, q->Step());
    if (!row) break;
    filter->Add(q->Int(0), q->Int(1));
  }
  q->Reset();
  return std::shared_ptr<const IdFilter>(std::move(filter));
}

Result<std::unique_ptr<Connection>> SqliteStore::OpenKeysFile(const std::string& path,
                                                              Connection& writer) {
  SLUICE_ASSIGN_OR_RETURN(Statement * id, writer.Prepare("SELECT token FROM store_identity"));
  SLUICE_ASSIGN_OR_RETURN(bool has_token, id->Step());
  const std::string token = has_token ? id->Text(0) : std::string();
  id->Reset();
  if (token.empty()) return InternalError("the database has no store_identity token");
  const std::string keys_path = KeysFilePath(path);
  SLUICE_ASSIGN_OR_RETURN(auto keys, Connection::Open(keys_path));
  // It appends sorted rows and reads little back: a small page cache will do.
  SLUICE_RETURN_IF_ERROR(keys->Exec("PRAGMA cache_size=-8192"));
  Transaction txn(*keys);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  SLUICE_RETURN_IF_ERROR(
      keys->Exec("CREATE TABLE IF NOT EXISTS keys_owner (id INTEGER PRIMARY KEY CHECK (id = 1), "
                 "token TEXT NOT NULL)"));
  SLUICE_ASSIGN_OR_RETURN(
      Statement * q,
      keys->Prepare("SELECT (SELECT token FROM keys_owner), (SELECT count(*) FROM sqlite_schema "
                    "WHERE type = 'table' AND name <> 'keys_owner')"));
  SLUICE_ASSIGN_OR_RETURN(bool row, q->Step());
  const bool owned = row && !q->IsNull(0) && q->Text(0) == token;
  const int64_t tables = row ? q->Int(1) : 0;
  q->Reset();
  if (!owned) {
    // Another database's keys (or none yet): what it holds says nothing about this database.
    if (tables > 0) {
      SLUICE_LOG_WARN(
          "{}: the keys file belongs to another database; emptied, its key tables "
          "are written again from the database",
          keys_path);
    }
    SLUICE_ASSIGN_OR_RETURN(
        Statement * names,
        keys->Prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name <> "
                      "'keys_owner' AND name NOT LIKE 'sqlite_%'"));
    std::string drop;
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(bool more, names->Step());
      if (!more) break;
      drop += "DROP TABLE main.\"" + names->Text(0) + "\"; ";
    }
    names->Reset();
    SLUICE_RETURN_IF_ERROR(keys->Exec(drop));
    SLUICE_ASSIGN_OR_RETURN(Statement * own,
                            keys->Prepare("INSERT OR REPLACE INTO keys_owner (id, token) "
                                          "VALUES (1, ?1)"));
    SLUICE_RETURN_IF_ERROR(own->Bind(1, token).Run());
  }
  SLUICE_RETURN_IF_ERROR(txn.Commit());
  return keys;
}

namespace {

// The segment number of key table `name` (`<segment table>_ids` or `_roots`), or -1.
int64_t KeyTableSegment(const std::string& name) {
  std::string_view base(name);
  for (std::string_view suffix : {std::string_view("_ids"), std::string_view("_roots")}) {
    if (base.ends_with(suffix)) {
      base.remove_suffix(suffix.size());
      if (base == "events") return 0;
      if (!base.starts_with("events_")) return -1;
      base.remove_prefix(7);
      int64_t seg = 0;
      for (char ch : base) {
        if (ch < '0' || ch > '9') return -1;
        seg = seg * 10 + (ch - '0');
      }
      return base.empty() ? -1 : seg;
    }
  }
  return -1;
}

}  // namespace

Status SqliteStore::CompleteKeysFile(const SegmentSet& set, const std::vector<int64_t>& catalog) {
  Connection& k = *keys_writer_;
  // The database, for the key tables written from its rows; detached after, so that the key
  // worker's transactions hold no snapshot of it.
  SLUICE_RETURN_IF_ERROR(k.AttachReadOnly(path_, "store"));
  Status done = CompleteKeysFileAttached(set, catalog);
  SLUICE_RETURN_IF_ERROR(k.Exec("DETACH store"));
  return done;
}

Status SqliteStore::CompleteKeysFileAttached(const SegmentSet& set,
                                             const std::vector<int64_t>& catalog) {
  Connection& k = *keys_writer_;
  // Key tables whose segment is gone from the catalog: dropped by a purge (or a crash's
  // recovery) before the key worker removed them. A segment newer than this set's open one may
  // be another process's; one being dropped by another process's purge is still read there.
  {
    Transaction txn(k);
    SLUICE_RETURN_IF_ERROR(txn.Begin());
    SLUICE_ASSIGN_OR_RETURN(Statement * names,
                            k.Prepare("SELECT name FROM main.sqlite_schema WHERE type = 'table'"));
    std::string drop;
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(bool row, names->Step());
      if (!row) break;
      const std::string name = names->Text(0);
      const int64_t seg = KeyTableSegment(name);
      if (seg < 0 || seg >= set.open().seg) continue;
      if (std::find(catalog.begin(), catalog.end(), seg) == catalog.end()) {
        drop += "DROP TABLE main." + name + "; ";
      }
    }
    names->Reset();
    if (!drop.empty()) SLUICE_RETURN_IF_ERROR(k.Exec(drop));
    SLUICE_RETURN_IF_ERROR(txn.Commit());
  }
  // Trusted: key tables in either file of a segment marked keys_written. The mark commits after
  // every commit its rows were read from, so after a power loss (commits are synced at
  // checkpoints) it is gone whenever any of those is.
  SLUICE_ASSIGN_OR_RETURN(
      Statement * has_keys,
      k.Prepare("SELECT ((SELECT count(*) FROM main.sqlite_schema WHERE type = 'table' AND name = "
                "?1 || '_ids') + (SELECT count(*) FROM store.sqlite_schema WHERE type = 'table' "
                "AND name = ?1 || '_ids')) * (SELECT keys_written FROM store.event_segments "
                "WHERE tbl = ?1)"));
  for (const Segment& s : set.segments) {
    if (s.state == SegmentState::kOpen) continue;
    has_keys->BindBorrowed(1, s.table);
    SLUICE_ASSIGN_OR_RETURN(bool row, has_keys->Step());
    const bool written = row && has_keys->Int(0) > 0;
    has_keys->Reset();
    if (written) continue;
    // Any the database holds would be found first: they go (the writer's transaction).
    SLUICE_RETURN_IF_ERROR(writer_->Exec(DropSealedKeysDdl(s.table)));
    SLUICE_RETURN_IF_ERROR(UpgradeSegment(
        k, s.table,
        DropSealedKeysDdl(s.table) + SealedKeysDdl(s.table) + SealedKeysFromTableSql(s.table),
        "its ids and roots written to its key tables"));
    SLUICE_RETURN_IF_ERROR(writer_->Exec("UPDATE event_segments SET keys_written = 1 WHERE seg = " +
                                         std::to_string(s.seg)));
  }
  return Status();
}

void SqliteStore::RunKeyJob(KeyJob job) {
  switch (job.kind) {
    case KeyJob::Kind::kFilter:
      // Without its filter a segment is still read correctly, only by its key table.
      (void)CatchAll("id filter builder", [this, &job] { BuildIdFilterOf(job.seg); });
      break;
    case KeyJob::Kind::kWriteKeys: RunWriteKeysJob(std::move(job)); break;
    case KeyJob::Kind::kDropKeys: {
      // Left behind, they are dropped when the store next opens. Their pages go back to the
      // file system (the keys file, like the database, uses incremental auto-vacuum).
      Status dropped;
      const Status caught = CatchAll("key tables", [this, &job, &dropped] {
        dropped = keys_writer_->Exec(DropSealedKeysDdl(job.table) + "PRAGMA incremental_vacuum;");
      });
      if (!caught.ok()) dropped = caught;
      if (!dropped.ok()) {
        SLUICE_LOG_WARN("event segment {}: its key tables were not dropped ({})", job.table,
                        dropped.ToString());
      }
      break;
    }
  }
}

void SqliteStore::RunWriteKeysJob(KeyJob job) {
  // Until they are written the segment's OpenKeys answer for it (about 100 bytes a row, and no
  // id filter); a failure (a full disk, the keys file locked for longer than the busy timeout)
  // is tried again later, and the store's next open writes whatever is left. A close that
  // begins during this try still makes one more (the worker runs every job left then).
  const bool closing = key_worker_.stopping();
  Result<bool> written = false;
  const Status caught =
      CatchAll("key tables", [this, &job, &written] { written = WriteKeysOf(job.seg); });
  if (!caught.ok()) written = caught;
  if (written.ok()) {
    if (*written && job.failures > 0) {
      SLUICE_LOG_INFO("event segment {}: its key tables were written at attempt {}", job.table,
                      job.failures + 1);
    }
    return;
  }
  ++job.failures;
  if (closing) {
    SLUICE_LOG_WARN(
        "event segment {}: its key tables were not written ({}); the store writes them when it "
        "next opens",
        job.table, written.status().ToString());
    return;
  }
  const auto delay = std::max(options_.key_retry_delay, std::chrono::milliseconds(1)) *
                     (1 << std::min(job.failures - 1, 6));
  SLUICE_LOG_WARN(
      "event segment {}: its key tables were not written ({}); its ids and roots stay in memory "
      "and the write is tried again in {} ms",
      job.table, written.status().ToString(), delay.count());
  job.not_before = std::chrono::steady_clock::now() + delay;
  key_worker_.Queue(std::move(job));
}

Result<bool> SqliteStore::WriteKeysOf(int64_t seg) {
  // Held while the tables are written: the segment is not dropped meanwhile.
  const std::shared_ptr<const SegmentSet> set = Segments();
  const Segment* s = nullptr;
  for (const Segment& x : set->segments) {
    if (x.seg == seg) s = &x;
  }
  if (s == nullptr || s->state == SegmentState::kOpen || s->keys == nullptr) return false;
  if (options_.before_key_tables) SLUICE_RETURN_IF_ERROR(options_.before_key_tables(seg));
  const auto started = std::chrono::steady_clock::now();
  Connection& k = *keys_writer_;
  std::shared_ptr<const IdFilter> filter;
  {
    // The rows' objects come from a reader: a snapshot of the database held while the tables
    // are written would keep the checkpoints from resetting its WAL, and inserts would wait.
    SLUICE_ASSIGN_OR_RETURN(auto reader, AcquireReader());
    Transaction txn(k);
    SLUICE_RETURN_IF_ERROR(txn.Begin());
    SLUICE_RETURN_IF_ERROR(k.Exec(DropSealedKeysDdl(s->table) + SealedKeysDdl(s->table)));
    SLUICE_ASSIGN_OR_RETURN(filter, WriteSealedKeys(*reader, k, s->table, *s->keys));
    SLUICE_RETURN_IF_ERROR(txn.Commit());
  }
  // Every connection reads the keys file within its transactions, so its WAL would only grow:
  // copied back and emptied now, on this thread (waits only for reads of older snapshots).
  k.Exec("PRAGMA main.wal_checkpoint(TRUNCATE)").IgnoreError();
  {
    // The mark that the tables can be trusted when the store opens again: committed after every
    // commit of the rows they were read from (docs/storage.md, "The keys file").
    std::lock_guard<std::mutex> lock(write_mu_);
    SLUICE_RETURN_IF_ERROR(writer_->Exec("UPDATE event_segments SET keys_written = 1 WHERE seg = " +
                                         std::to_string(seg)));
  }
  // From this set on, readers find the key tables: every connection's read of the keys file
  // starts after it took its set (SnapshotSegments; the writer takes its set before it begins).
  UpdateSegments([&](SegmentSet& out) {
    for (Segment& x : out.segments) {
      if (x.seg != seg || x.state == SegmentState::kOpen) continue;
      x.keys = nullptr;
      x.ids = filter;
    }
  });
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  if (ms >= 100) {
    SLUICE_LOG_INFO("event segment {}: its ids and roots written to the keys file in {} ms",
                    s->table, ms);
  }
  return true;
}

void SqliteStore::BuildIdFilterOf(int64_t seg) {
  auto set = Segments();
  const Segment* s = nullptr;
  for (const Segment& x : set->segments) {
    if (x.seg == seg) s = &x;
  }
  if (s == nullptr) return;
  auto c = AcquireReader();
  if (!c.ok()) return;  // lookups keep probing the table
  auto filter = BuildIdFilter(**c, s->table, &key_worker_.stopping());
  if (!filter.ok()) return;
  UpdateSegments([&](SegmentSet& out) {
    for (Segment& x : out.segments) {
      if (x.seg == seg) x.ids = *filter;
    }
  });
}

}  // namespace sluice::store::sqlite
