#include "store/sqlite/sqlite_segments.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "common/clock.h"
#include "common/log.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::store::sqlite {

std::string SegmentTable(int64_t seg) {
  return seg == 0 ? std::string("events") : "events_" + std::to_string(seg);
}

std::string SegmentDdl(int64_t seg) {
  const std::string t = SegmentTable(seg);
  return "CREATE TABLE " + t +
         " (row_key INTEGER PRIMARY KEY, object_type INTEGER NOT NULL, object_id TEXT NOT NULL, "
         "id TEXT NOT NULL, xact_id INTEGER NOT NULL, created INTEGER NOT NULL, "
         "span_id TEXT NOT NULL, root_span_id TEXT NOT NULL, span_parents TEXT, "
         "is_root INTEGER NOT NULL, input TEXT, output TEXT, expected TEXT, error TEXT, "
         "scores TEXT, metrics TEXT, metadata TEXT, span_attributes TEXT, context TEXT, "
         "origin TEXT, tags TEXT, org_id TEXT NOT NULL, project_id TEXT NOT NULL, "
         "obj_key INTEGER NOT NULL DEFAULT 0, id_hash INTEGER NOT NULL DEFAULT 0, "
         "root_hash INTEGER NOT NULL DEFAULT 0);\n"
         "CREATE INDEX " +
         t + "_by_xact ON " + t + " (obj_key, xact_id, row_key);\n" + CreatedIndexDdl(t);
}

std::string CreatedIndexDdl(const std::string& table) {
  return "CREATE INDEX " + table + "_by_created ON " + table + " (" +
         std::string(kCreatedIndexColumns) + ");\n";
}

std::string SealedKeysDdl(const std::string& table) {
  return "CREATE TABLE IF NOT EXISTS " + table +
         "_ids (obj_key INTEGER NOT NULL, id_hash INTEGER NOT NULL, row_key INTEGER NOT NULL, "
         "PRIMARY KEY (obj_key, id_hash, row_key)) WITHOUT ROWID;\n"
         "CREATE TABLE IF NOT EXISTS " +
         table +
         "_roots (obj_key INTEGER NOT NULL, root_hash INTEGER NOT NULL, row_key INTEGER NOT NULL, "
         "PRIMARY KEY (obj_key, root_hash, row_key)) WITHOUT ROWID;\n";
}

std::string DropSealedKeysDdl(const std::string& table) {
  return "DROP TABLE IF EXISTS main." + table + "_ids; DROP TABLE IF EXISTS main." + table +
         "_roots;";
}

std::string DropSegmentDdl(const std::string& table) {
  return "DROP TABLE IF EXISTS " + table + "; " + DropSealedKeysDdl(table);
}

std::string DropSealedIndexesDdl(const std::string& table) {
  return "DROP INDEX IF EXISTS " + table + "_by_id; DROP INDEX IF EXISTS " + table + "_by_root;";
}

std::string UnionSql(const SegmentSet& set, std::string_view arm) {
  return UnionSql(set, arm, [](const Segment&) { return std::string(); });
}

std::string UnionSql(
    const SegmentSet& set, std::string_view arm,
    const std::function<std::optional<std::string>(const Segment&)>& arm_condition) {
  std::string out;
  bool none = true;
  for (const Segment& s : set.segments) {
    std::optional<std::string> condition = arm_condition(s);
    if (!condition) {
      if (&s != &set.open() || !none) continue;
      condition = "0";  // every segment left out: one arm that reads nothing
    }
    none = false;
    if (!out.empty()) out += " UNION ALL ";
    for (size_t i = 0; i < arm.size(); ++i) {
      if (arm[i] == '$' && i + 1 < arm.size() && arm[i + 1] == 'E') {
        out += s.table;
        ++i;
      } else {
        out.push_back(arm[i]);
      }
    }
    if (s.state == SegmentState::kMoving) {
      out += arm.find(" WHERE ") == std::string_view::npos ? " WHERE " : " AND ";
      out += "NOT EXISTS (SELECT 1 FROM " + s.moved_to +
             " AS moved WHERE moved.row_key = " + s.table + ".row_key)";
    }
    if (!condition->empty()) {
      out += arm.find(" WHERE ") == std::string_view::npos ? " WHERE " : " AND ";
      out += *condition;
    }
  }
  return out;
}

Result<std::vector<Segment>> LoadSegments(Connection& c) {
  SLUICE_ASSIGN_OR_RETURN(Statement * q,
                          c.Prepare("SELECT seg, tbl, state, COALESCE(moved_to, '') FROM "
                                    "event_segments ORDER BY seg"));
  std::vector<Segment> out;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, q->Step());
    if (!row) break;
    Segment s;
    s.seg = q->Int(0);
    s.table = q->Text(1);
    s.state = static_cast<SegmentState>(q->Int(2));
    s.moved_to = q->Text(3);
    s.pin = std::make_shared<const int>(0);
    out.push_back(std::move(s));
  }
  return out;
}

Status ReplaceAllEventsView(Connection& c, const SegmentSet& set) {
  SLUICE_RETURN_IF_ERROR(c.Exec("DROP VIEW IF EXISTS events_all"));
  return c.Exec("CREATE VIEW events_all AS " + UnionSql(set, "SELECT * FROM $E"));
}

// ---- the store's segments ----

std::shared_ptr<const SegmentSet> PublishedSegments::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return set_;
}

void PublishedSegments::Update(const std::function<void(SegmentSet&)>& edit) {
  std::lock_guard<std::mutex> lock(mu_);
  auto next = std::make_shared<SegmentSet>(set_ ? *set_ : SegmentSet{});
  edit(*next);
  set_ = std::move(next);
}

Result<std::shared_ptr<const SegmentSet>> SqliteStore::SnapshotSegments(Connection& c,
                                                                        ReadSnapshot& snapshot) {
  // A seal commits the new open segment before its set is published, and from that commit on
  // rows go there, replacing rows of other segments too. A snapshot taken after the commit with
  // a set from before it would miss those rows, in both places: so the set is read before the
  // snapshot, and taken only when the snapshot's open segment is the set's (else the publication
  // is a moment away: wait for it). Later changes to the set leave the snapshot's rows readable:
  // a segment is dropped only once no reader holds a set with it.
  for (int tries = 0;; ++tries) {
    std::shared_ptr<const SegmentSet> set = Segments();
    if (options_.before_read_snapshot) options_.before_read_snapshot(tries);
    SLUICE_RETURN_IF_ERROR(snapshot.Begin());
    // This read of the catalog takes the snapshot.
    SLUICE_ASSIGN_OR_RETURN(Statement * q,
                            c.Prepare("SELECT max(seg) FROM event_segments WHERE state = 0"));
    SLUICE_ASSIGN_OR_RETURN(bool row, q->Step());
    const int64_t open = row ? q->Int(0) : -1;
    q->Reset();
    if (open == set->open().seg) return set;
    snapshot.End();
    if (tries == 10'000) {
      return UnavailableError("the event segments were changed by another process (segment " +
                              std::to_string(open) + " is open there); reopen the store");
    }
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

std::string UndoMoveSql(const Segment& s) {
  return "DELETE FROM " + s.moved_to + " WHERE row_key IN (SELECT row_key FROM " + s.table +
         "); UPDATE event_segments SET state = 1, moved_to = NULL WHERE seg = " +
         std::to_string(s.seg);
}

void WaitUntilUnused(const Segment& s) {
  while (s.pin.use_count() > 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

Status SqliteStore::CommitSegmentChange(const std::string& sql,
                                        const std::function<void(SegmentSet&)>& edit,
                                        const std::function<Status()>& also) {
  SegmentSet after = *Segments();
  edit(after);
  Transaction txn(*writer_);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  SLUICE_RETURN_IF_ERROR(writer_->Exec(sql));
  if (also) SLUICE_RETURN_IF_ERROR(also());
  SLUICE_RETURN_IF_ERROR(ReplaceAllEventsView(*writer_, after));
  SLUICE_RETURN_IF_ERROR(txn.Commit());
  // Edits the set published now, which may have gained an id filter since `after` was taken.
  UpdateSegments(edit);
  return Status();
}

Status UpgradeSegment(Connection& c, const std::string& table, const std::string& sql,
                      std::string_view done, bool log) {
  const auto started = std::chrono::steady_clock::now();
  Transaction txn(c);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  SLUICE_RETURN_IF_ERROR(c.Exec(sql));
  SLUICE_RETURN_IF_ERROR(txn.Commit());
  if (log) {
    SLUICE_LOG_INFO("event segment {}: {} in {} ms", table, done,
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count());
  }
  return Status();
}

namespace {

// Rebuilds the created index of each segment that has one of an earlier definition. An index
// that is missing (a segment being taken apart) is left so.
Status RebuildOldCreatedIndexes(Connection& c, const SegmentSet& set) {
  SLUICE_ASSIGN_OR_RETURN(Statement * index_sql,
                          c.Prepare("SELECT sql FROM sqlite_schema WHERE type = 'index' AND "
                                    "name = ?1 || '_by_created'"));
  const std::string done =
      "its created index rebuilt as (" + std::string(kCreatedIndexColumns) + ")";
  for (const Segment& s : set.segments) {
    index_sql->BindBorrowed(1, s.table);
    SLUICE_ASSIGN_OR_RETURN(bool row, index_sql->Step());
    const std::string sql = row ? index_sql->Text(0) : std::string();
    index_sql->Reset();
    if (!row || sql.find(kCreatedIndexColumns) != std::string::npos) continue;
    // A new store's first segment, empty, has the earlier index too: not worth a log line.
    SLUICE_ASSIGN_OR_RETURN(Statement * any,
                            c.Prepare("SELECT EXISTS (SELECT 1 FROM " + s.table + ")"));
    SLUICE_ASSIGN_OR_RETURN(bool has_rows, any->Step());
    has_rows = has_rows && any->Int(0) != 0;
    any->Reset();
    SLUICE_RETURN_IF_ERROR(UpgradeSegment(
        c, s.table, "DROP INDEX " + s.table + "_by_created; " + CreatedIndexDdl(s.table), done,
        has_rows));
  }
  return Status();
}

// True while another process holds the purge lease (a server, when this is an admin command):
// a drop or move in the catalog is then its work in progress, not a crash's leftover.
Result<bool> PurgeLeaseLive(Connection& c) {
  SLUICE_ASSIGN_OR_RETURN(Statement * l,
                          c.Prepare("SELECT count(*) FROM leases WHERE name = ? AND expires > ?"));
  l->Bind(1, std::string(Store::kPurgeLease)).Bind(2, RealClock().NowMicros());
  SLUICE_ASSIGN_OR_RETURN(bool leased, l->Step());
  const bool live = leased && l->Int(0) > 0;
  l->Reset();
  return live;
}

// The catalog as the store opens it.
struct OpenedCatalog {
  SegmentSet set;                // the segments to publish
  std::vector<int64_t> catalog;  // what the catalog keeps, published or not
  bool changed = false;          // a segment was dropped or put back
  std::string moving_from;       // a live purge's moving segment
};

// Reads the catalog and, unless a live purge owns them, finishes the drops and undoes the moves
// a crash interrupted.
Result<OpenedCatalog> OpenCatalog(Connection& c, bool purge_live) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<Segment> stored, LoadSegments(c));
  OpenedCatalog out;
  for (Segment& s : stored) {
    if (s.state == SegmentState::kDropping) {
      if (purge_live) {  // unpublished; the purge drops it
        out.catalog.push_back(s.seg);
        continue;
      }
      // A drop a crash interrupted: its rows were purged, the table goes now.
      Transaction txn(c);
      SLUICE_RETURN_IF_ERROR(txn.Begin());
      SLUICE_RETURN_IF_ERROR(c.Exec(DropSegmentDdl(s.table)));
      SLUICE_RETURN_IF_ERROR(
          c.Exec("DELETE FROM event_segments WHERE seg = " + std::to_string(s.seg)));
      SLUICE_RETURN_IF_ERROR(txn.Commit());
      out.changed = true;
      continue;
    }
    if (s.state == SegmentState::kMoving) {
      if (purge_live) {
        out.moving_from = s.table;
      } else {
        // A move a crash interrupted: the segment still has every row, so the copies go.
        Transaction txn(c);
        SLUICE_RETURN_IF_ERROR(txn.Begin());
        SLUICE_RETURN_IF_ERROR(c.Exec(UndoMoveSql(s)));
        SLUICE_RETURN_IF_ERROR(txn.Commit());
        s.state = SegmentState::kSealed;
        s.moved_to.clear();
        out.changed = true;
      }
    }
    out.catalog.push_back(s.seg);
    out.set.segments.push_back(std::move(s));
  }
  return out;
}

}  // namespace

Status SqliteStore::LoadSegmentState() {
  std::lock_guard<std::mutex> lock(write_mu_);
  Connection& c = *writer_;
  SLUICE_ASSIGN_OR_RETURN(const bool purge_live, PurgeLeaseLive(c));
  SLUICE_ASSIGN_OR_RETURN(OpenedCatalog opened, OpenCatalog(c, purge_live));
  SegmentSet& set = opened.set;
  if (!opened.moving_from.empty()) write_state_.moving_from = opened.moving_from;
  if (set.segments.empty() || set.open().state != SegmentState::kOpen) {
    return InternalError("the event segment catalog has no open segment");
  }
  for (const Segment& s : set.segments) {
    SLUICE_ASSIGN_OR_RETURN(Statement * q, c.Prepare("SELECT max(row_key) FROM " + s.table));
    SLUICE_ASSIGN_OR_RETURN(bool row, q->Step());
    if (row && !q->IsNull(0)) {
      write_state_.next_row_key = std::max(write_state_.next_row_key, q->Int(0) + 1);
    }
    q->Reset();
  }
  SLUICE_ASSIGN_OR_RETURN(Statement * n, c.Prepare("SELECT count(*) FROM " + set.open().table));
  SLUICE_ASSIGN_OR_RETURN(bool counted, n->Step());
  write_state_.open_rows = counted ? n->Int(0) : 0;
  n->Reset();
  if (opened.changed) SLUICE_RETURN_IF_ERROR(ReplaceAllEventsView(c, set));
  // The open segment's ids and roots are indexed in memory, the sealed segments' in their key
  // tables: each sealed segment without them gets them now (CompleteKeysFile), from its SQLite
  // id and root indexes if an earlier version left it some. Those indexes then go from every
  // segment, wherever an earlier version left them (an open segment of a store written before
  // OpenKeys, a sealed one before the key tables, one an older sluice indexed again). No-ops
  // once in place.
  SLUICE_RETURN_IF_ERROR(CompleteKeysFile(set, opened.catalog));
  {
    std::string drop_indexes;
    for (const Segment& s : set.segments) drop_indexes += DropSealedIndexesDdl(s.table);
    Transaction txn(c);
    SLUICE_RETURN_IF_ERROR(txn.Begin());
    SLUICE_RETURN_IF_ERROR(c.Exec(drop_indexes));
    SLUICE_RETURN_IF_ERROR(txn.Commit());
  }
  SLUICE_RETURN_IF_ERROR(RebuildOldCreatedIndexes(c, set));
  set.segments.back().keys = std::make_shared<OpenKeys>(write_state_.open_rows == 0, key_spares_);
  std::vector<int64_t> sealed;
  for (const Segment& s : set.segments) {
    if (s.state != SegmentState::kOpen) sealed.push_back(s.seg);
  }
  UpdateSegments([&](SegmentSet& out) { out = std::move(set); });
  // The id filters are built in the background: until a segment's is ready, lookups probe it.
  key_worker_.Start([this](KeyJob job) { RunKeyJob(std::move(job)); });
  for (int64_t seg : sealed) key_worker_.Queue({KeyJob::Kind::kFilter, seg, std::string()});
  return Status();
}

Status SqliteStore::MaybeSealOpenSegment() {
  auto current = Segments();
  const int64_t threshold =
      options_.segment_rows * (1 + static_cast<int64_t>(current->segments.size()) / 64);
  // A segment moving its rows into the open one keeps it open until done (a sealed segment only
  // loses rows, which its id filter relies on). Past kMaxSegments the open one keeps growing:
  // one query merges at most 500 segments.
  if (write_state_.open_rows < threshold || !write_state_.moving_from.empty() ||
      static_cast<int64_t>(current->segments.size()) >= kMaxSegments) {
    return Status();
  }
  const Segment& open = current->open();
  Segment next;
  next.seg = open.seg + 1;
  next.table = SegmentTable(next.seg);
  next.state = SegmentState::kOpen;
  next.pin = std::make_shared<const int>(0);
  next.keys = std::make_shared<OpenKeys>(true, key_spares_);
  const int64_t sealed = open.seg;
  const std::string sealed_table = open.table;
  const int64_t sealed_rows = write_state_.open_rows;
  const auto started = std::chrono::steady_clock::now();
  // The segment keeps its OpenKeys, which answer for it (they stay a superset of its rows) until
  // the key worker has written its key tables into the keys file and published it without them
  // (WriteKeysOf): inserts do not wait for that.
  SLUICE_RETURN_IF_ERROR(CommitSegmentChange(
      SegmentDdl(next.seg) + "UPDATE event_segments SET state = 1 WHERE seg = " +
          std::to_string(sealed) + "; INSERT INTO event_segments (seg, tbl, state) VALUES (" +
          std::to_string(next.seg) + ", '" + next.table + "', 0)",
      [&](SegmentSet& set) {
        set.segments.back().state = SegmentState::kSealed;
        set.segments.push_back(next);
      }));
  write_state_.open_rows = 0;
  key_worker_.Queue({KeyJob::Kind::kWriteKeys, sealed, sealed_table});
  // Inserts wait for this (docs/storage.md): said when it is long enough to be seen, so that a
  // latency spike has its cause.
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  if (ms >= 100) {
    SLUICE_LOG_INFO("event segment {} sealed: {} rows, in {} ms", sealed_table, sealed_rows, ms);
  }
  return Status();
}

}  // namespace sluice::store::sqlite
