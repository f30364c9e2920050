// Retention on SQLite. A run's soft delete is one row in retention_marks (a watermark:
// created < cutoff and _xact_id <= max_xact_id) plus the row keys it must spare, so soft delete
// costs O(1) writes however many rows it hides; reads filter hidden rows out with SQL built
// from the object's few active marks. The purge (sqlite_purge.cc) deletes hidden rows in
// bounded batches.
#include "store/sqlite/sqlite_retention.h"

#include <algorithm>
#include <mutex>

#include "store/sqlite/sqlite_store.h"
#include "store/store_sql.h"

namespace sluice::store::sqlite {
namespace {

model::RetentionMark ReadMark(const Statement& s) {
  model::RetentionMark m;
  m.id = s.Int(0);
  m.run_id = s.Text(1);
  m.automation_id = s.Text(2);
  m.object.type = static_cast<model::ObjectType>(s.Int(3));
  m.object.id = s.Text(4);
  m.cutoff = s.Int(5);
  m.max_xact_id = static_cast<uint64_t>(s.Int(6));
  m.created = s.Int(7);
  m.purge_after = s.Int(8);
  m.state = static_cast<model::MarkState>(s.Int(9));
  return m;
}

constexpr char kMarkColumns[] =
    "id, run_id, automation_id, object_type, object_id, cutoff, max_xact_id, created, "
    "purge_after, state";

}  // namespace

Result<std::vector<model::RetentionMark>> QueryMarks(Connection& c, const std::string& where,
                                                     const std::vector<std::string>& args) {
  SLUICE_ASSIGN_OR_RETURN(Statement * s,
                          c.Prepare(std::string("SELECT ") + kMarkColumns +
                                    " FROM retention_marks WHERE " + where + " ORDER BY id"));
  for (size_t i = 0; i < args.size(); ++i) s->Bind(static_cast<int>(i + 1), args[i]);
  std::vector<model::RetentionMark> out;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(ReadMark(*s));
  }
  return out;
}

// The events of object `o` (its id bound as ?1), through the object's integer key.
std::string ObjectSql(const model::ObjectRef& o) {
  return "obj_key = (SELECT obj_key FROM event_objects WHERE object_type = " +
         std::to_string(static_cast<int>(o.type)) + " AND object_id = ?1)";
}

Status SetMarkState(Connection& c, int64_t id, model::MarkState state) {
  SLUICE_ASSIGN_OR_RETURN(Statement * s,
                          c.Prepare("UPDATE retention_marks SET state = ? WHERE id = ?"));
  return s->Bind(1, static_cast<int64_t>(state)).Bind(2, id).Run();
}

Result<std::vector<model::RetentionMark>> LoadActiveMarks(Connection& c,
                                                          const model::ObjectRef& object) {
  return QueryMarks(c,
                    "object_type = " + std::to_string(static_cast<int>(object.type)) +
                        " AND object_id = ?1 AND state = 0",
                    {object.id});
}

Result<bool> IsHidden(Connection& c, const std::vector<model::RetentionMark>& marks,
                      const model::Event& e) {
  for (const auto& m : marks) {
    if (e.xact_id > m.max_xact_id || e.created >= m.cutoff) continue;
    SLUICE_ASSIGN_OR_RETURN(
        Statement * s,
        c.Prepare("SELECT 1 FROM retention_exempt WHERE mark_id = ? AND row_key = ?"));
    s->Bind(1, m.id).Bind(2, e.row_key);
    SLUICE_ASSIGN_OR_RETURN(bool exempt, s->Step());
    s->Reset();
    if (!exempt) return true;
  }
  return false;
}

Result<Store::RetentionCount> SqliteStore::CountRetention(const model::RetentionMark& mark,
                                                          bool with_bytes) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  ReadSnapshot snapshot(*c);
  SLUICE_ASSIGN_OR_RETURN(const std::shared_ptr<const SegmentSet> segments,
                          SnapshotSegments(*c, snapshot));
  SLUICE_ASSIGN_OR_RETURN(auto marks, LoadActiveMarks(*c, mark.object));
  model::RetentionMark probe = mark;
  probe.id = -1;  // no exemptions yet
  const std::string bytes =
      with_bytes ? "(length(id) + length(span_id) + length(root_span_id) + "
                   "COALESCE(length(span_parents), 0) + COALESCE(length(input), 0) + "
                   "COALESCE(length(output), 0) + COALESCE(length(expected), 0) + "
                   "COALESCE(length(error), 0) + COALESCE(length(scores), 0) + "
                   "COALESCE(length(metrics), 0) + COALESCE(length(metadata), 0) + "
                   "COALESCE(length(span_attributes), 0) + COALESCE(length(context), 0) + "
                   "COALESCE(length(origin), 0) + COALESCE(length(tags), 0))"
                 : "0";
  const std::string sql =
      "SELECT COUNT(*), COALESCE(SUM(b), 0) FROM (" +
      UnionSql(*segments, "SELECT " + bytes + " AS b FROM $E WHERE " + ObjectSql(mark.object) +
                              " AND " + MarkHidesSql(probe) + VisibleSql(marks)) +
      ")";
  SLUICE_ASSIGN_OR_RETURN(Statement * s, c->Prepare(sql));
  s->Bind(1, mark.object.id);
  SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
  RetentionCount out;
  if (row) {
    out.rows = s->Int(0);
    out.bytes = s->Int(1);
  }
  s->Reset();
  return out;
}

Result<std::pair<model::RetentionMark, int64_t>> SqliteStore::AddRetentionMark(
    const model::RetentionMark& mark, const std::vector<int64_t>& exempt_row_keys) {
  SLUICE_ASSIGN_OR_RETURN(RetentionCount before, CountRetention(mark));
  std::lock_guard<std::mutex> lock(write_mu_);
  Connection& c = *writer_;
  Transaction txn(c);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  SLUICE_ASSIGN_OR_RETURN(
      Statement * s,
      c.Prepare("INSERT INTO retention_marks (run_id, automation_id, object_type, object_id, "
                "cutoff, max_xact_id, created, purge_after, state) VALUES (?,?,?,?,?,?,?,?,0) "
                "RETURNING id"));
  s->Bind(1, mark.run_id)
      .Bind(2, mark.automation_id)
      .Bind(3, static_cast<int64_t>(mark.object.type))
      .Bind(4, mark.object.id)
      .Bind(5, mark.cutoff)
      .Bind(6, static_cast<int64_t>(mark.max_xact_id))
      .Bind(7, mark.created)
      .Bind(8, mark.purge_after);
  SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return InternalError("retention mark insert returned no id");
  model::RetentionMark out = mark;
  out.id = s->Int(0);
  out.state = model::MarkState::kActive;
  s->Reset();
  SLUICE_ASSIGN_OR_RETURN(Statement * e,
                          c.Prepare("INSERT OR IGNORE INTO retention_exempt (mark_id, row_key) "
                                    "VALUES (?, ?)"));
  for (int64_t key : exempt_row_keys)
    SLUICE_RETURN_IF_ERROR(e->Reset().Bind(1, out.id).Bind(2, key).Run());
  SLUICE_RETURN_IF_ERROR(txn.Commit());
  return std::make_pair(out, before.rows - static_cast<int64_t>(exempt_row_keys.size()));
}

Result<std::vector<model::RetentionMark>> SqliteStore::ListRetentionMarks(
    const std::string& automation_id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  return QueryMarks(*c, "automation_id = ?1", {automation_id});
}

Result<int64_t> SqliteStore::RestoreRetentionRun(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(write_mu_);
  const std::shared_ptr<const SegmentSet> segments = Segments();
  Connection& c = *writer_;
  Transaction txn(c);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  SLUICE_ASSIGN_OR_RETURN(auto marks, QueryMarks(c, "run_id = ?1", {run_id}));
  if (marks.empty()) return NotFoundError("run " + run_id + " deleted nothing to restore");
  int64_t restored = 0;
  for (const auto& m : marks) {
    if (m.state == model::MarkState::kPurged) {
      return FailedPreconditionError("run " + run_id +
                                     " was purged after its grace period: its rows are gone");
    }
    if (m.state == model::MarkState::kRestored) continue;
    SLUICE_ASSIGN_OR_RETURN(auto active, LoadActiveMarks(c, m.object));
    std::vector<model::RetentionMark> earlier, later;
    for (const auto& a : active) {
      if (a.id < m.id) earlier.push_back(a);
      if (a.id > m.id) later.push_back(a);
    }
    for (const auto& a : active) {
      if (a.id < m.id) continue;
      if (std::find(write_state_.purging_marks.begin(), write_state_.purging_marks.end(), a.id) !=
          write_state_.purging_marks.end()) {
        return FailedPreconditionError("run " + run_id +
                                       " is being purged (its grace period is over): its rows "
                                       "are being removed");
      }
    }
    // This run's own rows: hidden by it and by no earlier active mark.
    const std::string own =
        "FROM (" +
        UnionSql(*segments, "SELECT row_key FROM $E WHERE " + ObjectSql(m.object) + " AND " +
                                MarkHidesSql(m) + VisibleSql(earlier)) +
        ")";
    SLUICE_ASSIGN_OR_RETURN(Statement * count, c.Prepare("SELECT COUNT(*) " + own));
    count->Bind(1, m.object.id);
    SLUICE_ASSIGN_OR_RETURN(bool row, count->Step());
    restored += row ? count->Int(0) : 0;
    count->Reset();
    // Later marks cover these rows too: spare them there, so exactly this run's rows return.
    for (const auto& l : later) {
      SLUICE_ASSIGN_OR_RETURN(Statement * ins,
                              c.Prepare("INSERT OR IGNORE INTO retention_exempt (mark_id, row_key) "
                                        "SELECT " +
                                        std::to_string(l.id) + ", row_key " + own));
      SLUICE_RETURN_IF_ERROR(ins->Bind(1, m.object.id).Run());
    }
    SLUICE_RETURN_IF_ERROR(SetMarkState(c, m.id, model::MarkState::kRestored));
  }
  SLUICE_RETURN_IF_ERROR(txn.Commit());
  return restored;
}

}  // namespace sluice::store::sqlite
