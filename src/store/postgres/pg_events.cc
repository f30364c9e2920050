// Rows on PostgreSQL: inserts with one _xact_id per transaction from a sequence, the watermark
// that keeps export cursors correct with several concurrent writers (docs/storage.md
// "PostgreSQL"), and streamed keyset scans.
#include <deque>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "store/postgres/pg_copy_writer.h"
#include "store/postgres/pg_retention.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_store.h"

namespace sluice::store::postgres {

namespace {

// Advisory lock key held while a writer takes its transaction id and its _xact_id, so the two
// are taken in the same order by every writer (an arbitrary constant of this project).
constexpr int64_t kXactLockKey = 0x736c756963650002;

// Takes the transaction's PostgreSQL id and then its _xact_id under a short session lock, and
// records both. Must be the transaction's first write (its PostgreSQL id is assigned here).
Result<uint64_t> TakeXactId(Connection& c) {
  const std::string key = std::to_string(kXactLockKey);
  auto ids = c.Query("SELECT pg_advisory_lock(" + key +
                     "), pg_current_xact_id()::text, "
                     "nextval('xact_ids'), pg_advisory_unlock(" +
                     key + ")");
  if (!ids.ok()) {
    c.Exec("ROLLBACK; SELECT pg_advisory_unlock_all()").IgnoreError();
    return ids.status();
  }
  const uint64_t xact_id = static_cast<uint64_t>(ids->Int(0, 2));
  SLUICE_RETURN_IF_ERROR(c.Query("INSERT INTO event_xacts (xact_id, pg_xact) "
                                 "VALUES ($1, $2::xid8)",
                                 Params().Add(xact_id).Add(ids->View(0, 1)))
                             .status());
  return xact_id;
}

// The current rows of `ids` (hidden by retention or not), locked for this transaction. Maps id
// to the row and whether reads see it.
struct StoredRow {
  model::Event event;
  bool visible = true;
};
Result<std::unordered_map<std::string, StoredRow>> LockExisting(
    Connection& c, const model::ObjectRef& object, const std::vector<std::string>& ids) {
  SLUICE_ASSIGN_OR_RETURN(auto marks, LoadActiveMarks(c, object));
  SLUICE_ASSIGN_OR_RETURN(
      Rows r,
      c.QueryOnceBinary(
          std::string("SELECT ") + kEventColumns + ", (TRUE" + VisibleSql(marks) +
              ") FROM events WHERE object_type = $1 AND object_id = $2 "
              "AND id = ANY($3::text[]) FOR UPDATE",
          Params().Add(static_cast<int64_t>(object.type)).Add(object.id).Add(TextArray(ids))));
  std::unordered_map<std::string, StoredRow> out;
  for (int i = 0; i < r.size(); ++i) {
    StoredRow row;
    ReadPgEvent(r, i, &row.event);
    row.visible = r.BinaryBool(i, kEventColumnCount);
    out.emplace(row.event.id, std::move(row));
  }
  return out;
}

// The columns every COPY of events writes, in AddCopyRow's order.
constexpr char kCopyTarget[] =
    "events (object_type, object_id, id, xact_id, created, span_id, root_span_id, span_parents, "
    "is_root, input, output, expected, error, scores, metrics, metadata, span_attributes, "
    "context, origin, tags, org_id, project_id)";

// The columns of kCopyTarget, each COPY row's field count.
constexpr int kInsertColumns = CountColumns(kCopyTarget);
// AddCopyRow writes 22 fields per row: a column added above needs its field there.
static_assert(kInsertColumns == 22);

// Adds one row of kCopyTarget: `e`'s own columns, `texts` for its JSON fields (kJsonFields'
// order, "" for NULL), and the row's object, owners and _xact_id.
Status AddCopyRow(BinaryCopyWriter& copy, const model::Event& e,
                  const model::WrittenTextsArray& texts, const model::ObjectRef& object,
                  std::string_view org_id, std::string_view project_id, uint64_t xact_id,
                  std::string& json) {
  SLUICE_RETURN_IF_ERROR(copy.BeginRow(kInsertColumns));
  copy.AddInt32(static_cast<int32_t>(object.type));
  copy.AddText(object.id);
  copy.AddText(e.id);
  copy.AddInt64(static_cast<int64_t>(xact_id));
  copy.AddInt64(e.created);
  copy.AddText(e.span_id);
  copy.AddText(e.root_span_id);
  json = StringsToJson(e.span_parents);
  copy.AddTextOrNull(json);
  copy.AddBool(e.is_root);
  for (std::string_view text : texts) copy.AddTextOrNull(text);
  json = StringsToJson(e.tags);
  copy.AddTextOrNull(json);
  copy.AddText(org_id);
  copy.AddText(project_id);
  return Status();
}

// Appends `n` rows with one binary COPY (PostgreSQL's fastest path for many rows: no statement
// to plan, rows inserted in multi-row batches); `add(copy, i, json)` adds row `i` (AddCopyRow),
// `json` a scratch string.
template <typename AddRow>
Status CopyRows(Connection& c, size_t n, AddRow add) {
  if (n == 0) return Status();
  SLUICE_ASSIGN_OR_RETURN(auto copy, BinaryCopyWriter::Start(c, kCopyTarget));
  std::string json;
  for (size_t i = 0; i < n; ++i) SLUICE_RETURN_IF_ERROR(add(*copy, i, json));
  SLUICE_ASSIGN_OR_RETURN(const int64_t copied, copy->Finish());
  if (copied != static_cast<int64_t>(n)) {
    return InternalError("COPY stored " + std::to_string(copied) + " rows of " + std::to_string(n));
  }
  return Status();
}

Status InsertRows(Connection& c, const std::vector<const model::Event*>& rows) {
  return CopyRows(c, rows.size(), [&](BinaryCopyWriter& copy, size_t i, std::string& json) {
    const model::Event& e = *rows[i];
    model::WrittenTextsArray texts;
    for (size_t j = 0; j < texts.size(); ++j) texts[j] = e.*model::kJsonFields[j].member;
    return AddCopyRow(copy, e, texts, e.object, e.org_id, e.project_id, e.xact_id, json);
  });
}

// Appends the versions that remain (kAlreadyExists when an id is stored already).
Status AppendVersions(Connection& c, const std::vector<std::optional<model::Event>>& versions) {
  std::vector<const model::Event*> rows;
  rows.reserve(versions.size());
  for (const auto& v : versions) {
    if (v) rows.push_back(&*v);
  }
  return InsertRows(c, rows);
}

// Applies the batch's writes in order over the stored rows and returns the new versions in
// write order (a later write of an id supersedes an earlier one, whose slot is emptied). Fills
// result's row_ids and counts.
Result<std::vector<std::optional<model::Event>>> ApplyWrites(
    std::span<const model::EventWrite> writes,
    const std::unordered_map<std::string, StoredRow>& stored, const model::ObjectRef& object,
    const std::string& org_id, const std::string& project_id, TimestampMicros now,
    InsertResult* result) {
  std::unordered_map<std::string, std::optional<size_t>> latest;  // nullopt: deleted
  std::vector<std::optional<model::Event>> versions;
  for (const model::EventWrite& w : writes) {
    result->row_ids.push_back(w.id);
    const model::Event* existing = nullptr;
    auto it = latest.find(w.id);
    if (it != latest.end()) {
      if (it->second) existing = &*versions[*it->second];
    } else if (auto s = stored.find(w.id); s != stored.end() && s->second.visible) {
      existing = &s->second.event;
    }
    std::optional<model::Event> next;
    if (w.object_delete) {
      result->rows_deleted += existing ? 1 : 0;
    } else {
      SLUICE_ASSIGN_OR_RETURN(next, model::ApplyEventWrite(w, existing, now));
      next->org_id = org_id;
      next->project_id = project_id;
      next->object = object;
      next->xact_id = result->xact_id;
      ++result->rows_written;
    }
    if (it != latest.end() && it->second) versions[*it->second].reset();
    if (next) {
      versions.push_back(std::move(next));
      latest[w.id] = versions.size() - 1;
    } else {
      latest[w.id] = std::nullopt;
    }
  }
  return versions;
}

// One object's writes as if none of their ids were stored (the common case: new spans), without
// looking them up: the unique index on id finds any that is (stored, hidden by retention, or
// committed meanwhile by another writer), and then nothing of this attempt remains and false
// is returned for the full path. Not for batches with deletes, whose ids may leave no new row
// to collide, nor with merges, whose rows are most likely stored (an SDK updating its spans):
// there the attempt would copy rows only to roll them back.
Result<bool> TryAsNewRows(Connection& c, const ObjectWrites& ow, TimestampMicros now,
                          InsertResult& result) {
  // Each row's own columns; its JSON fields' texts stay in its write and are copied from there.
  std::vector<model::Event> rows;
  rows.reserve(ow.writes.size());
  std::unordered_set<std::string_view> ids;
  for (const model::EventWrite& w : ow.writes) {
    if (w.object_delete || w.is_merge) return false;
    // An id written twice: the later write's row replaces the earlier one's (ApplyWrites).
    if (!ids.insert(w.id).second) return false;
    auto row = model::ApplyEventWriteLeavingTexts(w, now);
    // A write that needs its stored row (say, span_parents without root_span_id): full path.
    if (!row.ok()) return false;
    rows.push_back(std::move(row).value());
  }
  SLUICE_RETURN_IF_ERROR(c.Exec("SAVEPOINT new_rows"));
  const Status st =
      CopyRows(c, rows.size(), [&](BinaryCopyWriter& copy, size_t i, std::string& json) {
        return AddCopyRow(copy, rows[i], model::WrittenTexts(ow.writes[i]), ow.object, ow.org_id,
                          ow.project_id, result.xact_id, json);
      });
  if (st.code() == StatusCode::kAlreadyExists) {
    SLUICE_RETURN_IF_ERROR(c.Exec("ROLLBACK TO SAVEPOINT new_rows"));
    return false;
  }
  SLUICE_RETURN_IF_ERROR(st);
  SLUICE_RETURN_IF_ERROR(c.Exec("RELEASE SAVEPOINT new_rows"));
  for (const model::EventWrite& w : ow.writes) result.row_ids.push_back(w.id);
  result.rows_written += static_cast<int64_t>(rows.size());
  return true;
}

// One object's writes of a batch inside the batch's transaction: the rows they replace are
// locked and deleted and the new versions appended.
Status ApplyObjectWrites(Connection& c, const ObjectWrites& ow, TimestampMicros now,
                         InsertResult& result) {
  SLUICE_ASSIGN_OR_RETURN(bool done, TryAsNewRows(c, ow, now, result));
  if (done) return Status();
  std::vector<std::string> ids;
  ids.reserve(ow.writes.size());
  for (const model::EventWrite& w : ow.writes) ids.push_back(w.id);
  SLUICE_ASSIGN_OR_RETURN(auto stored, LockExisting(c, ow.object, ids));
  std::vector<int64_t> replaced;
  for (const auto& [id, row] : stored) replaced.push_back(row.event.row_key);
  SLUICE_ASSIGN_OR_RETURN(auto versions, ApplyWrites(ow.writes, stored, ow.object, ow.org_id,
                                                     ow.project_id, now, &result));
  if (!replaced.empty()) {
    SLUICE_RETURN_IF_ERROR(c.Query("DELETE FROM events WHERE row_key = ANY($1::bigint[])",
                                   Params().Add(IntArray(replaced)))
                               .status());
  }
  Status st = AppendVersions(c, versions);
  // Another transaction inserted one of the ids since the lookup: retrying this one will
  // merge into it.
  if (st.code() == StatusCode::kAlreadyExists) return AbortedError(st.message());
  return st;
}

}  // namespace

Result<InsertResult> PgStore::InsertBatch(std::span<const ObjectWrites> batch,
                                          TimestampMicros now) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  Transaction txn(*c);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  InsertResult result;
  SLUICE_ASSIGN_OR_RETURN(result.xact_id, TakeXactId(*c));
  if (options_.after_xact_id_taken) options_.after_xact_id_taken(result.xact_id);
  for (const ObjectWrites& ow : batch) {
    SLUICE_RETURN_IF_ERROR(ApplyObjectWrites(*c, ow, now, result));
  }
  SLUICE_RETURN_IF_ERROR(txn.Commit());
  return result;
}

Result<std::optional<model::Event>> PgStore::GetEvent(const model::ObjectRef& object,
                                                      const std::string& id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(auto marks, LoadActiveMarks(*c, object));
  SLUICE_ASSIGN_OR_RETURN(
      Rows r,
      c->QueryOnceBinary(std::string("SELECT ") + kEventColumns +
                             " FROM events WHERE object_type = $1 AND object_id = $2 "
                             "AND id = $3" +
                             VisibleSql(marks),
                         Params().Add(static_cast<int64_t>(object.type)).Add(object.id).Add(id)));
  if (r.size() == 0) return std::optional<model::Event>();
  model::Event e;
  ReadPgEvent(r, 0, &e);
  return std::optional<model::Event>(std::move(e));
}

Result<bool> PgStore::RowExists(const model::ObjectRef& object, const std::string& id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(
      Rows r, c->QueryOnce("SELECT 1 FROM events WHERE object_type = $1 AND object_id = $2 "
                           "AND id = $3 LIMIT 1",
                           Params().Add(static_cast<int64_t>(object.type)).Add(object.id).Add(id)));
  return r.size() > 0;
}

// Writers take their PostgreSQL transaction id and their _xact_id in the same order (see
// TakeXactId), so every transaction still running at this statement's snapshot has a greater
// _xact_id than every writer whose transaction id is below the snapshot's xmin.
Result<uint64_t> PgStore::MaxXactId() {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(Rows r,
                          c->Query("SELECT COALESCE(MAX(xact_id), 0) FROM event_xacts "
                                   "WHERE pg_xact < pg_snapshot_xmin(pg_current_snapshot())"));
  return static_cast<uint64_t>(r.Int(0, 0));
}

}  // namespace sluice::store::postgres
