// Rows: transactional inserts with one _xact_id per transaction, and single-row reads.

#include <chrono>

#include "store/sqlite/sqlite_retention.h"
#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::store::sqlite {

namespace {

// The row at row_key of segment table `table`, or nullopt when there is none or a retention mark
// hides it.
Result<std::optional<model::Event>> SelectVisible(Connection& c, const std::string& table,
                                                  int64_t row_key,
                                                  const std::vector<model::RetentionMark>& marks) {
  SLUICE_ASSIGN_OR_RETURN(Statement * s, c.Prepare(std::string("SELECT ") + kEventColumns +
                                                   " FROM " + table + " WHERE row_key = ?"));
  s->Bind(1, row_key);
  SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
  std::optional<model::Event> out;
  if (row) out = ReadEvent(*s);
  s->Reset();
  if (out) {
    SLUICE_ASSIGN_OR_RETURN(bool hidden, IsHidden(c, marks, *out));
    if (hidden) out.reset();
  }
  return out;
}

// Where a row is: its segment's table and its key.
struct RowPlace {
  const std::string* table;
  int64_t row_key;
};

// The row with this id of object `obj_key`, hidden by retention or not. An object keeps one row
// per id, so the newest segment holding it is the only one; sealed segments whose filter rules
// the id out are not read. On a reader, `segments` and the read transaction come from
// SnapshotSegments (the open segment's candidates are then taken within the snapshot).
Result<std::optional<RowPlace>> FindRow(Connection& c, const SegmentSet& segments, int64_t obj_key,
                                        const std::string& id) {
  const int64_t hash = TextKeyHash(id);
  const IdFilter::Probe probe = IdFilter::ProbeFor(obj_key, hash);
  for (const Segment& s : segments.segments) {
    if (s.ids != nullptr) s.ids->Prefetch(probe);
  }
  for (auto it = segments.segments.rbegin(); it != segments.segments.rend(); ++it) {
    if (it->keys != nullptr) {
      // The open segment: its candidates from memory, each tested by its primary key.
      SLUICE_RETURN_IF_ERROR(it->keys->Load(c, it->table));
      std::vector<int64_t> candidates;
      it->keys->RowsWithId(hash, &candidates);
      if (candidates.empty()) continue;
      SLUICE_ASSIGN_OR_RETURN(
          Statement * s,
          c.Prepare("SELECT 1 FROM " + it->table +
                    " WHERE row_key = ? AND obj_key = ? AND id_hash = ? AND id = ?"));
      for (int64_t key : candidates) {
        s->Bind(1, key).Bind(2, obj_key).Bind(3, hash).BindBorrowed(4, id);
        SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
        s->Reset();
        if (row) return std::optional<RowPlace>(RowPlace{&it->table, key});
      }
      continue;
    }
    if (it->ids != nullptr && !it->ids->MayContain(probe)) continue;
    // A sealed segment: its key table's candidates, each tested by its primary key.
    SLUICE_ASSIGN_OR_RETURN(
        Statement * s,
        c.Prepare("SELECT t.row_key FROM " + it->table + "_ids k CROSS JOIN " + it->table +
                  " t ON t.row_key = k.row_key WHERE k.obj_key = ? AND k.id_hash = ? AND "
                  "t.obj_key = k.obj_key AND t.id = ?"));
    s->Bind(1, obj_key).Bind(2, hash).BindBorrowed(3, id);
    SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
    const int64_t key = row ? s->Int(0) : 0;
    s->Reset();
    if (row) return std::optional<RowPlace>(RowPlace{&it->table, key});
  }
  return std::optional<RowPlace>();
}

// The object's key for the writer, created on its first row. Rolled back with the request's
// savepoint if the request fails.
Result<int64_t> WriterObjectKey(Connection& c, const model::ObjectRef& object) {
  SLUICE_ASSIGN_OR_RETURN(auto found, ObjectKey(c, object));
  if (found) return *found;
  SLUICE_ASSIGN_OR_RETURN(Statement * ins,
                          c.Prepare("INSERT INTO event_objects (object_type, object_id) "
                                    "VALUES (?, ?) RETURNING obj_key"));
  ins->Bind(1, static_cast<int64_t>(object.type)).BindBorrowed(2, object.id);
  SLUICE_ASSIGN_OR_RETURN(bool row, ins->Step());
  if (!row) return InternalError("event_objects insert returned no key");
  const int64_t key = ins->Int(0);
  ins->Reset();
  return key;
}

Status DeleteRow(Connection& c, const RowPlace& place) {
  SLUICE_ASSIGN_OR_RETURN(Statement * s,
                          c.Prepare("DELETE FROM " + *place.table + " WHERE row_key = ?"));
  return s->Bind(1, place.row_key).Run();
}

// Where an inserted row belongs: the open segment's table, its key, the request's object,
// owners and transaction.
struct RowOwner {
  const std::string& table;
  int64_t row_key;
  int64_t obj_key;
  const model::ObjectRef& object;
  const std::string& org_id;
  const std::string& project_id;
  uint64_t xact_id;
};

// Texts are bound without copies: `e`, `d` and the write `d.written` views outlive the
// statement's run. The JSON fields' texts are `e`'s, or, for a row built by
// ApplyEventWriteLeavingTexts (`texts_from_write`), `d.written`.
Status InsertRow(Connection& c, const RowOwner& o, const model::Event& e, const DerivedColumns& d,
                 bool texts_from_write = false) {
  SLUICE_ASSIGN_OR_RETURN(
      Statement * s,
      c.Prepare("INSERT INTO " + o.table +
                " (object_type, object_id, id, xact_id, created, span_id, "
                "root_span_id, span_parents, is_root, input, output, expected, error, scores, "
                "metrics, metadata, span_attributes, context, origin, tags, org_id, project_id, "
                "obj_key, id_hash, root_hash, row_key) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  s->Bind(1, static_cast<int64_t>(o.object.type))
      .BindBorrowed(2, o.object.id)
      .BindBorrowed(3, e.id)
      .Bind(4, static_cast<int64_t>(o.xact_id))
      .Bind(5, e.created)
      .BindBorrowed(6, e.span_id)
      .BindBorrowed(7, e.root_span_id)
      .BindBorrowedOrNull(8, d.span_parents)
      .Bind(9, int64_t{e.is_root});
  for (size_t k = 0; k < std::size(model::kJsonFields); ++k) {
    s->BindBorrowedOrNull(static_cast<int>(10 + k),
                          texts_from_write ? d.written[k] : e.*model::kJsonFields[k].member);
  }
  s->BindBorrowedOrNull(20, d.tags)
      .BindBorrowed(21, o.org_id)
      .BindBorrowed(22, o.project_id)
      .Bind(23, o.obj_key)
      .Bind(24, d.id_hash)
      .Bind(25, d.root_hash)
      .Bind(26, o.row_key);
  Status st = s->Run();
  s->Reset();  // drop the borrowed texts before they go away
  return st;
}

Result<uint64_t> NextXactId(Connection& c) {
  SLUICE_ASSIGN_OR_RETURN(
      Statement * s,
      c.Prepare("UPDATE xact_counter SET value = value + 1 WHERE id = 1 RETURNING value"));
  SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return InternalError("xact_counter row is missing");
  const uint64_t v = static_cast<uint64_t>(s->Int(0));
  s->Reset();
  return v;
}

// The rows of `writes` as if no row of their id existed yet, and their derived columns. Their
// JSON fields' texts stay in the writes, bound from there. A merge that fails on no row may
// still apply to an existing one, so only its result records the error.
Status BuildFreshRows(std::span<const model::EventWrite> writes, TimestampMicros now,
                      std::vector<Result<model::Event>>& fresh,
                      std::vector<DerivedColumns>& derived) {
  fresh.reserve(writes.size());
  derived.resize(writes.size());
  for (size_t i = 0; i < writes.size(); ++i) {
    const model::EventWrite& w = writes[i];
    fresh.push_back(w.object_delete ? Result<model::Event>(model::Event{})
                                    : model::ApplyEventWriteLeavingTexts(w, now));
    if (!fresh.back().ok() && !w.is_merge) return fresh.back().status();
    if (fresh.back().ok()) {
      derived[i] = DeriveColumns(*fresh.back());
      derived[i].written = model::WrittenTexts(w);
    }
  }
  return Status();
}

}  // namespace

// One object's writes of an insert request, inside the request's savepoint.
Status SqliteStore::ApplyObjectWrites(const PendingInsert& p, size_t g, const SegmentSet& segments,
                                      InsertResult& result) {
  Connection& c = *writer_;
  const ObjectWrites& ow = p.batch[g];
  SLUICE_ASSIGN_OR_RETURN(const int64_t obj_key, WriterObjectKey(c, ow.object));
  SLUICE_ASSIGN_OR_RETURN(auto marks, LoadActiveMarks(c, ow.object));
  // Every row is listed in the open segment's keys before it is written (and so before any
  // reader can see it).
  OpenKeys& open_keys = *segments.open().keys;
  SLUICE_RETURN_IF_ERROR(open_keys.Load(c, segments.open().table));
  const std::vector<DerivedColumns>& derived = (*p.derived)[g];
  for (size_t i = 0; i < ow.writes.size(); ++i) {
    const model::EventWrite& w = ow.writes[i];
    result.row_ids.push_back(w.id);
    std::optional<model::Event> existing;
    SLUICE_ASSIGN_OR_RETURN(auto place, FindRow(c, segments, obj_key, w.id));
    if (place) {
      // A row hidden by retention counts as absent; either way an object keeps one row per
      // id, so the new version replaces it (in the open segment).
      SLUICE_ASSIGN_OR_RETURN(existing, SelectVisible(c, *place->table, place->row_key, marks));
      SLUICE_RETURN_IF_ERROR(DeleteRow(c, *place));
      if (!write_state_.moving_from.empty() && *place->table != write_state_.moving_from) {
        // The row may be a copy a purge made of a row of a segment it is emptying: that one
        // goes too, or it would be read again once its copy is gone.
        SLUICE_RETURN_IF_ERROR(DeleteRow(c, RowPlace{&write_state_.moving_from, place->row_key}));
      }
    }
    if (w.object_delete) {
      result.rows_deleted += existing ? 1 : 0;
      continue;
    }
    const RowOwner owner{segments.open().table,
                         write_state_.next_row_key++,
                         obj_key,
                         ow.object,
                         ow.org_id,
                         ow.project_id,
                         result.xact_id};
    if (existing) {
      SLUICE_ASSIGN_OR_RETURN(model::Event e, model::ApplyEventWrite(w, &*existing, p.now));
      const DerivedColumns d = DeriveColumns(e);
      open_keys.Add(d.id_hash, d.root_hash, owner.row_key);
      SLUICE_RETURN_IF_ERROR(InsertRow(c, owner, e, d));
    } else {
      // The common case: the row built before queueing is bound as it is, and freed after
      // the write lock is released.
      const Result<model::Event>& fresh = (*p.fresh)[g][i];
      SLUICE_RETURN_IF_ERROR(fresh.status());
      const DerivedColumns& d = derived[i];
      open_keys.Add(d.id_hash, d.root_hash, owner.row_key);
      SLUICE_RETURN_IF_ERROR(InsertRow(c, owner, *fresh, d, /*texts_from_write=*/true));
    }
    ++result.rows_written;
    ++write_state_.open_rows;
  }
  return Status();
}

// One insert request's writes inside the group's transaction (see InsertBatch).
Result<InsertResult> SqliteStore::ApplyInsert(const PendingInsert& p, const SegmentSet& segments) {
  InsertResult result;
  result.row_ids.reserve(p.rows);
  SLUICE_ASSIGN_OR_RETURN(result.xact_id, NextXactId(*writer_));
  for (size_t g = 0; g < p.batch.size(); ++g) {
    SLUICE_RETURN_IF_ERROR(ApplyObjectWrites(p, g, segments, result));
  }
  return result;
}

// Commits a group of insert requests in one SQLite transaction. Each request keeps its own
// _xact_id and its own all-or-nothing outcome (a savepoint each). REQUIRES: write_mu_ held.
void SqliteStore::CommitGroup(const std::vector<PendingInsert*>& group) {
  Connection& c = *writer_;
  // Held for the transaction: no segment it reads is dropped meanwhile.
  const std::shared_ptr<const SegmentSet> segments = Segments();
  Transaction txn(c);
  Status begun = txn.Begin();
  for (PendingInsert* p : group) {
    if (!begun.ok()) {
      p->result = begun;
      continue;
    }
    Status sp = c.Exec("SAVEPOINT insert_request");
    if (!sp.ok()) {
      p->result = sp;
      continue;
    }
    p->result = ApplyInsert(*p, *segments);
    if (!p->result.ok()) c.Exec("ROLLBACK TO insert_request").IgnoreError();
    c.Exec("RELEASE insert_request").IgnoreError();
  }
  if (!begun.ok()) return;
  Status committed = txn.Commit();
  if (!committed.ok()) {
    for (PendingInsert* p : group) p->result = committed;
  }
}

Result<InsertResult> SqliteStore::InsertBatch(std::span<const ObjectWrites> batch,
                                              TimestampMicros now) {
  NoteInsert();
  struct NoteEnd {
    SqliteStore* store;
    ~NoteEnd() { store->NoteInsert(); }
  } note_end{this};
  // Build every row as if no row of its id existed yet (the common case) before queueing, so
  // serialisation runs in parallel with other requests' writes.
  std::vector<std::vector<Result<model::Event>>> fresh(batch.size());
  std::vector<std::vector<DerivedColumns>> derived(batch.size());
  size_t rows = 0;
  for (size_t g = 0; g < batch.size(); ++g) {
    rows += batch[g].writes.size();
    SLUICE_RETURN_IF_ERROR(BuildFreshRows(batch[g].writes, now, fresh[g], derived[g]));
  }
  // Requests that arrive while a transaction is being written are committed together in the
  // next one (group_commit.h).
  PendingInsert me{batch, rows, &fresh, &derived, now};
  inserts_.Submit(&me, rows, [this](const std::vector<PendingInsert*>& group) {
    std::lock_guard<std::mutex> lock(write_mu_);
    CommitGroup(group);
    // The rows are committed whatever happens here; a failed seal is tried again next time.
    MaybeSealOpenSegment().IgnoreError();
  });
  return std::move(me.result);
}

Result<std::optional<model::Event>> SqliteStore::GetEvent(const model::ObjectRef& object,
                                                          const std::string& id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  // One read transaction: the segments are probed one statement each, and a row the writer
  // moves to the open segment in between must not be missed in both.
  ReadSnapshot snapshot(*c);
  SLUICE_ASSIGN_OR_RETURN(const std::shared_ptr<const SegmentSet> segments,
                          SnapshotSegments(*c, snapshot));
  SLUICE_ASSIGN_OR_RETURN(auto marks, LoadActiveMarks(*c, object));
  SLUICE_ASSIGN_OR_RETURN(auto obj_key, ObjectKey(*c, object));
  if (!obj_key) return std::optional<model::Event>();
  SLUICE_ASSIGN_OR_RETURN(auto place, FindRow(*c, *segments, *obj_key, id));
  if (!place) return std::optional<model::Event>();
  return SelectVisible(*c, *place->table, place->row_key, marks);
}

Result<bool> SqliteStore::RowExists(const model::ObjectRef& object, const std::string& id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  ReadSnapshot snapshot(*c);
  SLUICE_ASSIGN_OR_RETURN(const std::shared_ptr<const SegmentSet> segments,
                          SnapshotSegments(*c, snapshot));
  SLUICE_ASSIGN_OR_RETURN(auto obj_key, ObjectKey(*c, object));
  if (!obj_key) return false;
  SLUICE_ASSIGN_OR_RETURN(auto place, FindRow(*c, *segments, *obj_key, id));
  return place.has_value();
}

void SqliteStore::NoteInsert() {
  last_insert_us_.store(std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count(),
                        std::memory_order_relaxed);
}

bool SqliteStore::InsertsActive() const {
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  return now - last_insert_us_.load(std::memory_order_relaxed) < 1'000'000;
}

Result<uint64_t> SqliteStore::MaxXactId() {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  return LastXactId(*c);
}

}  // namespace sluice::store::sqlite
