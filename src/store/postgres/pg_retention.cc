// Retention on PostgreSQL: a run's soft delete is one retention_marks row (a watermark:
// created < cutoff and _xact_id <= max_xact_id) plus the row keys it spares; reads filter
// hidden rows with SQL built from the object's active marks; the purge deletes in batches.
#include "store/postgres/pg_retention.h"

#include <limits>

#include "store/postgres/pg_store.h"

namespace sluice::store::postgres {

namespace {

// Rows deleted per purge statement (each its own short transaction).
constexpr int64_t kPurgeBatchRows = 500;

constexpr char kMarkColumns[] =
    "id, run_id, automation_id, object_type, object_id, cutoff, max_xact_id, created, "
    "purge_after, state";

Result<std::vector<model::RetentionMark>> QueryMarks(Connection& c, const std::string& where,
                                                     const Params& params) {
  SLUICE_ASSIGN_OR_RETURN(
      Rows r, c.Query(std::string("SELECT ") + kMarkColumns + " FROM retention_marks WHERE " +
                          where + " ORDER BY id",
                      params));
  std::vector<model::RetentionMark> out;
  for (int i = 0; i < r.size(); ++i) {
    model::RetentionMark m;
    m.id = r.Int(i, 0);
    m.run_id = r.Text(i, 1);
    m.automation_id = r.Text(i, 2);
    m.object.type = static_cast<model::ObjectType>(r.Int(i, 3));
    m.object.id = r.Text(i, 4);
    m.cutoff = r.Int(i, 5);
    m.max_xact_id = static_cast<uint64_t>(r.Int(i, 6));
    m.created = r.Int(i, 7);
    m.purge_after = r.Int(i, 8);
    m.state = static_cast<model::MarkState>(r.Int(i, 9));
    out.push_back(std::move(m));
  }
  return out;
}

// The events of object `o`, its id bound as $1.
std::string ObjectSql(const model::ObjectRef& o) {
  return "object_type = " + std::to_string(static_cast<int>(o.type)) + " AND object_id = $1";
}

Status SetMarkState(Connection& c, int64_t id, model::MarkState state) {
  return c
      .Query("UPDATE retention_marks SET state = $1 WHERE id = $2",
             Params().Add(static_cast<int64_t>(state)).Add(id))
      .status();
}

// Marks mark `m` purged, drops its exemptions and, for a whole-experiment mark, the experiment.
Status FinishPurge(Connection& c, const model::RetentionMark& m) {
  Transaction txn(c);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  SLUICE_RETURN_IF_ERROR(SetMarkState(c, m.id, model::MarkState::kPurged));
  SLUICE_RETURN_IF_ERROR(
      c.Query("DELETE FROM retention_exempt WHERE mark_id = $1", Params().Add(m.id)).status());
  if (m.cutoff == std::numeric_limits<int64_t>::max() &&
      m.object.type == model::ObjectType::kExperiment) {
    SLUICE_RETURN_IF_ERROR(
        c.Query("DELETE FROM experiments WHERE id = $1", Params().Add(m.object.id)).status());
  }
  return txn.Commit();
}

}  // namespace

Result<std::vector<model::RetentionMark>> LoadActiveMarks(Connection& c,
                                                          const model::ObjectRef& object) {
  return QueryMarks(c,
                    "object_type = " + std::to_string(static_cast<int>(object.type)) +
                        " AND object_id = $1 AND state = 0",
                    Params().Add(object.id));
}

Result<Store::RetentionCount> PgStore::CountRetention(const model::RetentionMark& mark,
                                                      bool with_bytes) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(auto marks, LoadActiveMarks(*c, mark.object));
  model::RetentionMark probe = mark;
  probe.id = -1;  // no exemptions yet
  const std::string bytes =
      with_bytes ? "COALESCE(SUM(length(id) + length(span_id) + length(root_span_id) + "
                   "COALESCE(length(span_parents), 0) + COALESCE(length(input), 0) + "
                   "COALESCE(length(output), 0) + COALESCE(length(expected), 0) + "
                   "COALESCE(length(error), 0) + COALESCE(length(scores), 0) + "
                   "COALESCE(length(metrics), 0) + COALESCE(length(metadata), 0) + "
                   "COALESCE(length(span_attributes), 0) + COALESCE(length(context), 0) + "
                   "COALESCE(length(origin), 0) + COALESCE(length(tags), 0)), 0)"
                 : "0";
  const std::string sql = "SELECT COUNT(*), " + bytes + " FROM events WHERE " +
                          ObjectSql(mark.object) + " AND " + MarkHidesSql(probe) +
                          VisibleSql(marks);
  SLUICE_ASSIGN_OR_RETURN(Rows r, c->QueryOnce(sql, Params().Add(mark.object.id)));
  return RetentionCount{r.Int(0, 0), r.Int(0, 1)};
}

Result<std::pair<model::RetentionMark, int64_t>> PgStore::AddRetentionMark(
    const model::RetentionMark& mark, const std::vector<int64_t>& exempt_row_keys) {
  SLUICE_ASSIGN_OR_RETURN(RetentionCount before, CountRetention(mark));
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  Transaction txn(*c);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  SLUICE_ASSIGN_OR_RETURN(
      Rows r, c->Query("INSERT INTO retention_marks (run_id, automation_id, object_type, "
                       "object_id, cutoff, max_xact_id, created, purge_after, state) "
                       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0) RETURNING id",
                       Params()
                           .Add(mark.run_id)
                           .Add(mark.automation_id)
                           .Add(static_cast<int64_t>(mark.object.type))
                           .Add(mark.object.id)
                           .Add(mark.cutoff)
                           .Add(mark.max_xact_id)
                           .Add(mark.created)
                           .Add(mark.purge_after)));
  model::RetentionMark out = mark;
  out.id = r.Int(0, 0);
  out.state = model::MarkState::kActive;
  std::string keys = "{";
  for (size_t i = 0; i < exempt_row_keys.size(); ++i) {
    keys += (i ? "," : "") + std::to_string(exempt_row_keys[i]);
  }
  keys += "}";
  SLUICE_RETURN_IF_ERROR(c->Query("INSERT INTO retention_exempt (mark_id, row_key) "
                                  "SELECT $1, k FROM unnest($2::bigint[]) AS k "
                                  "ON CONFLICT DO NOTHING",
                                  Params().Add(out.id).Add(keys))
                             .status());
  SLUICE_RETURN_IF_ERROR(txn.Commit());
  return std::make_pair(out, before.rows - static_cast<int64_t>(exempt_row_keys.size()));
}

Result<std::vector<model::RetentionMark>> PgStore::ListRetentionMarks(
    const std::string& automation_id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  return QueryMarks(*c, "automation_id = $1", Params().Add(automation_id));
}

Result<int64_t> PgStore::RestoreRetentionRun(const std::string& run_id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  Transaction txn(*c);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  // Two restores of one run do not both count its rows.
  SLUICE_RETURN_IF_ERROR(
      c->Query("SELECT pg_advisory_xact_lock(hashtext($1))", Params().Add(run_id)).status());
  SLUICE_ASSIGN_OR_RETURN(auto marks, QueryMarks(*c, "run_id = $1", Params().Add(run_id)));
  if (marks.empty()) return NotFoundError("run " + run_id + " deleted nothing to restore");
  int64_t restored = 0;
  for (const auto& m : marks) {
    if (m.state == model::MarkState::kPurged) {
      return FailedPreconditionError("run " + run_id +
                                     " was purged after its grace period: its rows are gone");
    }
    if (m.state == model::MarkState::kRestored) continue;
    SLUICE_ASSIGN_OR_RETURN(auto active, LoadActiveMarks(*c, m.object));
    std::vector<model::RetentionMark> earlier, later;
    for (const auto& a : active) {
      if (a.id < m.id) earlier.push_back(a);
      if (a.id > m.id) later.push_back(a);
    }
    // This run's own rows: hidden by it and by no earlier active mark.
    const std::string own = "FROM events WHERE " + ObjectSql(m.object) + " AND " + MarkHidesSql(m) +
                            VisibleSql(earlier);
    SLUICE_ASSIGN_OR_RETURN(Rows n,
                            c->QueryOnce("SELECT COUNT(*) " + own, Params().Add(m.object.id)));
    restored += n.Int(0, 0);
    // Later marks cover these rows too: spare them there, so exactly this run's rows return.
    for (const auto& l : later) {
      SLUICE_RETURN_IF_ERROR(c->QueryOnce("INSERT INTO retention_exempt (mark_id, row_key) "
                                          "SELECT " +
                                              std::to_string(l.id) + ", row_key " + own +
                                              " ON CONFLICT DO NOTHING",
                                          Params().Add(m.object.id))
                                 .status());
    }
    SLUICE_RETURN_IF_ERROR(SetMarkState(*c, m.id, model::MarkState::kRestored));
  }
  SLUICE_RETURN_IF_ERROR(txn.Commit());
  return restored;
}

Result<std::vector<std::pair<std::string, int64_t>>> PgStore::PurgeExpiredMarks(
    TimestampMicros now) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(auto due,
                          QueryMarks(*c, "state = 0 AND purge_after <= $1", Params().Add(now)));
  std::vector<std::pair<std::string, int64_t>> per_run;
  for (const auto& m : due) {
    int64_t purged = 0;
    const std::string del =
        "DELETE FROM events WHERE row_key IN (SELECT row_key FROM events "
        "WHERE " +
        ObjectSql(m.object) + " AND " + MarkHidesSql(m) + " LIMIT " +
        std::to_string(kPurgeBatchRows) + ")";
    for (int64_t n = kPurgeBatchRows; n == kPurgeBatchRows;) {
      SLUICE_ASSIGN_OR_RETURN(Rows r, c->QueryOnce(del, Params().Add(m.object.id)));
      n = r.Affected();
      purged += n;
    }
    SLUICE_RETURN_IF_ERROR(FinishPurge(*c, m));
    if (!per_run.empty() && per_run.back().first == m.run_id) {
      per_run.back().second += purged;
    } else {
      per_run.emplace_back(m.run_id, purged);
    }
  }
  return per_run;
}

}  // namespace sluice::store::postgres
