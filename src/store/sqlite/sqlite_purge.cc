// Retention's purge on SQLite: the rows of marks past their grace period deleted in batches
// sized to a write-lock budget, whole segments dropped when every row in them is due, and the
// freed pages handed back to the file system when nothing is arriving.
#include <algorithm>
#include <chrono>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <span>
#include <thread>

#include "store/sqlite/sqlite_retention.h"
#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store_sql.h"

namespace sluice::store::sqlite {

namespace {

// Write-lock budget of one purge batch (statement and commit) while inserts are arriving. The
// batch size adapts so each batch takes about this long: a writer queued behind the purge waits
// at most about one batch.
constexpr double kPurgeBatchBudgetMs = 3.0;
// The budget when no insert came for a second: fewer, larger transactions rewrite far fewer
// index pages per row. An insert that then arrives waits at most one such batch, and the next
// batch is back to kPurgeBatchBudgetMs.
constexpr double kIdlePurgeBatchBudgetMs = 200.0;
constexpr int64_t kPurgeMinBatchRows = 64;
// While inserts arrive and the WAL is long, a purge waits up to this many steps of this long
// before its next batch.
constexpr int kWalBackoffSteps = 40;
constexpr int kWalBackoffStepMs = 5;
constexpr int64_t kPurgeMaxBatchRows = 1'000'000;
// Freed pages handed back to the file system per incremental-vacuum step (16 KiB each).
constexpr int kVacuumStepPages = 1024;

// The next batch width (row_keys) from the last one's width and milliseconds (kept within 2x per
// step so a slow commit or checkpoint does not swing it).
int64_t NextBatchRows(int64_t rows, double ms, double budget_ms) {
  const double scaled = rows * budget_ms / std::max(ms, 0.05);
  const double bounded = std::clamp(scaled, rows / 2.0, rows * 2.0);
  return std::clamp(static_cast<int64_t>(bounded), kPurgeMinBatchRows, kPurgeMaxBatchRows);
}

// Lets writers queued on the store's write lock run between two purge steps.
void YieldToWriters() { std::this_thread::sleep_for(std::chrono::milliseconds(1)); }

double MillisSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// The row_key bounds [first, last] of the rows `where` selects in segment table `table` (text
// parameter ?1 bound to `object_id` when not empty), or of all its rows for an empty `where`
// (two rowid seeks: MIN and MAX together would read the whole table).
Result<std::pair<int64_t, int64_t>> RowKeyBounds(Connection& c, const std::string& table,
                                                 const std::string& where,
                                                 const std::string& object_id) {
  SLUICE_ASSIGN_OR_RETURN(
      Statement * s, c.Prepare(where.empty() ? "SELECT (SELECT MIN(row_key) FROM " + table +
                                                   "), (SELECT MAX(row_key) FROM " + table + ")"
                                             : "SELECT MIN(row_key), MAX(row_key) FROM " + table +
                                                   " WHERE " + where));
  if (!object_id.empty()) s->Bind(1, object_id);
  SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
  std::pair<int64_t, int64_t> out{0, -1};
  if (row && !s->IsNull(0)) out = {s->Int(0), s->Int(1)};
  s->Reset();
  return out;
}

// Calls `step(lo, hi)` (which changes the rows with row_key in [lo, hi) and returns how many)
// over [first, last] in ranges, each under `write_mu` (the store's write lock) and sized to about
// the batch budget, so each table page is visited by one batch only, in b-tree order; returns
// the rows changed.
Result<int64_t> InRanges(std::mutex& write_mu, Connection& writer,
                         std::pair<int64_t, int64_t> bounds,
                         const std::function<bool()>& inserts_active,
                         const std::function<Result<int64_t>(int64_t, int64_t)>& step) {
  int64_t changed = 0;
  bool was_active = true;
  for (int64_t lo = bounds.first, width = inserts_active() ? kPurgeMinBatchRows : 256;
       lo <= bounds.second;) {
    const bool active = inserts_active();
    const double budget_ms = active ? kPurgeBatchBudgetMs : kIdlePurgeBatchBudgetMs;
    if (active && !was_active) {
      // Inserts resumed: shrink to the short budget at once rather than over several batches.
      width = std::max<int64_t>(
          kPurgeMinBatchRows,
          static_cast<int64_t>(width * kPurgeBatchBudgetMs / kIdlePurgeBatchBudgetMs));
    }
    was_active = active;
    double ms = 0;
    {
      std::lock_guard<std::mutex> lock(write_mu);
      const auto t0 = std::chrono::steady_clock::now();
      SLUICE_ASSIGN_OR_RETURN(int64_t n, step(lo, lo + width));
      changed += n;
      ms = MillisSince(t0);
    }
    lo += width;
    width = NextBatchRows(width, ms, budget_ms);
    YieldToWriters();
    if (active) {
      // While inserts arrive, the purge waits for the WAL to be short again rather than force a
      // checkpoint under the write lock (its fsync stalls the next insert for 10-30 ms), and
      // adds no writes while the inserts' own checkpoints catch up. Measured at 10M stored
      // spans: insert p99 1.6x its value without a purge, against 5x when forcing checkpoints.
      for (int i = 0; i < kWalBackoffSteps && writer.WalLong(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(kWalBackoffStepMs));
      }
    } else if (writer.WalLong()) {
      // Alone, the purge fills the WAL itself: it checkpoints it, mostly outside the write lock.
      writer.CheckpointNow(write_mu);
    }
  }
  return changed;
}

// Runs `delete_sql` (a DELETE bounded by row_key >= ?2 AND row_key < ?3, with ?1 the object id
// when `object_id` is not empty) over [first, last] in ranges (see InRanges), each its own
// transaction; returns the rows deleted.
Result<int64_t> DeleteInRanges(std::mutex& write_mu, Connection& writer,
                               const std::string& delete_sql, const std::string& object_id,
                               std::pair<int64_t, int64_t> bounds,
                               const std::function<bool()>& inserts_active) {
  return InRanges(write_mu, writer, bounds, inserts_active,
                  [&](int64_t lo, int64_t hi) -> Result<int64_t> {
                    SLUICE_ASSIGN_OR_RETURN(Statement * del, writer.Prepare(delete_sql));
                    del->Reset();
                    if (!object_id.empty()) del->Bind(1, object_id);
                    SLUICE_RETURN_IF_ERROR(del->Bind(2, lo).Bind(3, hi).Run());
                    return writer.Changes();
                  });
}

// Deletes the rows mark `m` hides in segment table `table`, walking it in row_key ranges (see
// DeleteInRanges); returns the rows deleted. The range filter reads only the row's leading
// columns (object, xact, created), never its overflow pages, for rows it keeps. The bounds are
// read on `reader`, off the write lock (the rows a mark hides only ever get fewer).
Result<int64_t> PurgeMarkRows(std::mutex& write_mu, Connection& writer, Connection& reader,
                              const std::string& table, const model::RetentionMark& m,
                              const std::function<bool()>& inserts_active) {
  SLUICE_ASSIGN_OR_RETURN(
      auto bounds,
      RowKeyBounds(reader, table, ObjectSql(m.object) + " AND " + MarkHidesSql(m), m.object.id));
  const std::string sql = "DELETE FROM " + table +
                          " WHERE row_key >= ?2 AND row_key < ?3 AND object_type = " +
                          std::to_string(static_cast<int>(m.object.type)) +
                          " AND object_id = ?1 AND " + MarkHidesSql(m);
  return DeleteInRanges(write_mu, writer, sql, m.object.id, bounds, inserts_active);
}

// Marks `m` purged and drops its exemptions (and its experiment, for a whole-experiment mark).
Status FinishPurgedMark(std::mutex& write_mu, Connection& writer, const model::RetentionMark& m) {
  std::lock_guard<std::mutex> lock(write_mu);
  Transaction txn(writer);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  SLUICE_RETURN_IF_ERROR(SetMarkState(writer, m.id, model::MarkState::kPurged));
  SLUICE_ASSIGN_OR_RETURN(Statement * ex,
                          writer.Prepare("DELETE FROM retention_exempt WHERE mark_id = ?"));
  SLUICE_RETURN_IF_ERROR(ex->Bind(1, m.id).Run());
  if (m.cutoff == std::numeric_limits<int64_t>::max() &&
      m.object.type == model::ObjectType::kExperiment) {
    SLUICE_ASSIGN_OR_RETURN(Statement * ed, writer.Prepare("DELETE FROM experiments WHERE id = ?"));
    SLUICE_RETURN_IF_ERROR(ed->Bind(1, m.object.id).Run());
  }
  return txn.Commit();
}

Result<int64_t> PragmaInt(Connection& c, const char* pragma) {
  SLUICE_ASSIGN_OR_RETURN(Statement * q, c.Prepare(std::string("PRAGMA ") + pragma));
  SLUICE_ASSIGN_OR_RETURN(bool row, q->Step());
  const int64_t v = row ? q->Int(0) : 0;
  q->Reset();
  return v;
}

// When more than a quarter of the file is free pages and no inserts are arriving, hands them
// back to the file system in incremental-vacuum steps, the write lock released between steps;
// stops when inserts resume (the next purge goes on). Otherwise the free pages are left for new
// rows: a vacuum moves live pages from the end of the file into the holes, which costs about as
// much as the purge itself and holds the write lock for tens of milliseconds per step, to give
// back space that inserts would take again.
Status VacuumFreedPages(std::mutex& write_mu, Connection& writer,
                        const std::function<bool()>& inserts_active) {
  int64_t free = 0, pages = 0;
  {
    std::lock_guard<std::mutex> lock(write_mu);
    SLUICE_ASSIGN_OR_RETURN(free, PragmaInt(writer, "freelist_count"));
    SLUICE_ASSIGN_OR_RETURN(pages, PragmaInt(writer, "page_count"));
  }
  if (free * 4 <= pages) return Status();
  for (int64_t done = 0; done < free && !inserts_active();) {
    if (done > 0) YieldToWriters();
    const int step_pages = kVacuumStepPages;
    std::lock_guard<std::mutex> lock(write_mu);
    SLUICE_RETURN_IF_ERROR(
        writer.Exec("PRAGMA incremental_vacuum(" + std::to_string(step_pages) + ")"));
    done += step_pages;
  }
  return Status();
}

}  // namespace

Status SqliteStore::AddOpenKeys(const std::string& open_table, const std::string& from,
                                const std::string& row_keys) {
  // The copies keep their row_key, so they are listed in the open segment's keys before they are
  // written, as the writer lists its rows.
  const std::shared_ptr<const SegmentSet> set = Segments();
  if (set->open().table != open_table || set->open().keys == nullptr) {
    return InternalError("rows are being moved to " + open_table + ", which is not open");
  }
  OpenKeys& keys = *set->open().keys;
  SLUICE_RETURN_IF_ERROR(keys.Load(*writer_, open_table));
  SLUICE_ASSIGN_OR_RETURN(Statement * q,
                          writer_->Prepare("SELECT id_hash, root_hash, row_key FROM " + from +
                                           " WHERE row_key IN (SELECT value FROM json_each(?1))"));
  q->Bind(1, row_keys);
  return keys.AddRows(*q);
}

Status SqliteStore::DropSegmentTable(Segment victim) {
  // Readers and the writer that still hold a set with this segment finish with it first.
  WaitUntilUnused(victim);
  const std::string& t = victim.table;
  if (InsertsActive()) {
    // A DROP TABLE holds the write lock for as long as it reads the whole table (~80 ms for
    // 250k spans). While inserts arrive, take it apart in short steps instead: the indexes one
    // by one (a few milliseconds each), then the rows in row_key ranges, which without indexes
    // cost only their table pages.
    {
      // Its key tables hold a few bytes per row.
      std::lock_guard<std::mutex> lock(write_mu_);
      SLUICE_RETURN_IF_ERROR(writer_->Exec(DropSealedKeysDdl(t)));
    }
    for (const char* index : {"_by_created", "_by_xact"}) {
      {
        std::lock_guard<std::mutex> lock(write_mu_);
        SLUICE_RETURN_IF_ERROR(writer_->Exec("DROP INDEX IF EXISTS " + t + index));
      }
      YieldToWriters();
    }
    std::pair<int64_t, int64_t> bounds;
    {
      SLUICE_ASSIGN_OR_RETURN(auto reader, AcquireReader());
      SLUICE_ASSIGN_OR_RETURN(bounds, RowKeyBounds(*reader, t, "", ""));
    }
    SLUICE_RETURN_IF_ERROR(DeleteInRanges(write_mu_, *writer_,
                                          "DELETE FROM " + t +
                                              " WHERE row_key >= ?2 AND "
                                              "row_key < ?3",
                                          "", bounds, [this] { return InsertsActive(); })
                               .status());
  }
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    Transaction txn(*writer_);
    SLUICE_RETURN_IF_ERROR(txn.Begin());
    SLUICE_RETURN_IF_ERROR(writer_->Exec(DropSegmentDdl(t)));
    SLUICE_RETURN_IF_ERROR(
        writer_->Exec("DELETE FROM event_segments WHERE seg = " + std::to_string(victim.seg)));
    SLUICE_RETURN_IF_ERROR(txn.Commit());
  }
  // Its key tables in the keys file, where the writer does not write.
  key_worker_.Queue({KeyJob::Kind::kDropKeys, victim.seg, t});
  return Status();
}

Status SqliteStore::UndoMoveInPlace(const Segment& moving) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SLUICE_RETURN_IF_ERROR(CommitSegmentChange(UndoMoveSql(moving), [&](SegmentSet& set) {
    for (Segment& s : set.segments) {
      if (s.seg != moving.seg) continue;
      s.state = SegmentState::kSealed;
      s.moved_to.clear();
    }
  }));
  if (write_state_.moving_from == moving.table) write_state_.moving_from.clear();
  return Status();
}

Status SqliteStore::FinishSegmentWork() {
  std::vector<Segment> stored;
  {
    SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
    SLUICE_ASSIGN_OR_RETURN(stored, LoadSegments(*c));
  }
  for (Segment& s : stored) {
    if (s.state == SegmentState::kDropping) {
      // Unpublished already (here or by an earlier incarnation of this process).
      SLUICE_RETURN_IF_ERROR(DropSegmentTable(std::move(s)));
    } else if (s.state == SegmentState::kMoving) {
      // The marks may have changed since (a restore after a restart): start that one over.
      SLUICE_RETURN_IF_ERROR(UndoMoveInPlace(s));
    }
  }
  return Status();
}

namespace {

// A sealed segment a purge drops: per due mark, the rows it purges there; the row keys of the
// rows that stay, to be moved to the open segment first.
struct CoveredSegment {
  Segment segment;
  std::vector<int64_t> purged;
  std::vector<int64_t> keep;
};

// The marks as SQL over a segment's rows (`$E` its table).
struct DueMarksSql {
  // Which due mark purges a row: the first (oldest) that hides it, as its index in `due`; -1 for
  // a row none hides.
  std::string which = "CASE";
  // Per due mark with rows: "SELECT min(created) ... obj_key = K" (an index seek) and the cutoff.
  std::vector<std::pair<std::string, TimestampMicros>> oldest;
};

Result<DueMarksSql> MarksSql(Connection& c, const std::vector<model::RetentionMark>& due) {
  DueMarksSql out;
  for (size_t i = 0; i < due.size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(auto key, ObjectKey(c, due[i].object));
    if (!key) continue;
    out.which += " WHEN obj_key = " + std::to_string(*key) + " AND " + MarkHidesSql(due[i]) +
                 " THEN " + std::to_string(i);
    out.oldest.emplace_back("SELECT min(created) FROM $E WHERE obj_key = " + std::to_string(*key),
                            due[i].cutoff);
  }
  out.which += " ELSE -1 END";
  return out;
}

// Whether any of the marked objects' rows in `table` is older than its mark's cutoff: a segment
// whose rows are all newer is skipped without reading it.
Result<bool> HasRowsBeforeCutoffs(Connection& c, const DueMarksSql& marks,
                                  const std::string& table) {
  for (const auto& [sql, cutoff] : marks.oldest) {
    std::string one = sql;
    one.replace(one.find("$E"), 2, table);
    SLUICE_ASSIGN_OR_RETURN(Statement * q, c.Prepare(one));
    SLUICE_ASSIGN_OR_RETURN(bool row, q->Step());
    const bool before = row && !q->IsNull(0) && q->Int(0) < cutoff;
    q->Reset();
    if (before) return true;
  }
  return false;
}

// Whether the purge drops sealed segment `s` (nullopt: it deletes its rows one by one instead,
// or has none to delete), and if so what it purges and keeps there.
Result<std::optional<CoveredSegment>> JudgeSegment(Connection& c, const DueMarksSql& marks,
                                                   size_t due_count, const Segment& s) {
  // A sealed segment its rows all left (replaced, moved) goes whatever the marks.
  SLUICE_ASSIGN_OR_RETURN(Statement * any,
                          c.Prepare("SELECT EXISTS (SELECT 1 FROM " + s.table + ")"));
  SLUICE_ASSIGN_OR_RETURN(bool stepped, any->Step());
  const bool empty = stepped && any->Int(0) == 0;
  any->Reset();
  if (empty) return CoveredSegment{s, std::vector<int64_t>(due_count, 0), {}};
  SLUICE_ASSIGN_OR_RETURN(bool candidate, HasRowsBeforeCutoffs(c, marks, s.table));
  if (!candidate) return std::nullopt;
  // Reads the created index only (it holds every column the marks test).
  SLUICE_ASSIGN_OR_RETURN(
      Statement * q,
      c.Prepare("SELECT " + marks.which + " AS k, count(*) FROM " + s.table + " GROUP BY k"));
  CoveredSegment out{s, std::vector<int64_t>(due_count, 0), {}};
  int64_t kept = 0, purgeable = 0;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, q->Step());
    if (!row) break;
    const int64_t k = q->Int(0);
    if (k < 0) {
      kept += q->Int(1);
    } else {
      out.purged[static_cast<size_t>(k)] += q->Int(1);
      purgeable += q->Int(1);
    }
  }
  q->Reset();
  // Moving a row that stays costs about two row deletes (its insert elsewhere and its
  // delete here); deleting a purged row one. So a segment is emptied by moving its few
  // remaining rows out and dropping it when that is cheaper than deleting its purged rows.
  if (purgeable == 0 || (kept > 0 && kept * 2 >= purgeable)) return std::nullopt;
  if (kept > 0) {
    out.keep.reserve(static_cast<size_t>(kept));
    SLUICE_ASSIGN_OR_RETURN(Statement * k, c.Prepare("SELECT row_key FROM " + s.table + " WHERE (" +
                                                     marks.which + ") < 0"));
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(bool row, k->Step());
      if (!row) break;
      out.keep.push_back(k->Int(0));
    }
    k->Reset();
  }
  return out;
}

}  // namespace

Status SqliteStore::DropCoveredSegments(const std::vector<model::RetentionMark>& due,
                                        std::vector<int64_t>* purged_per_mark) {
  std::vector<CoveredSegment> chosen;
  {
    const std::shared_ptr<const SegmentSet> segments = Segments();
    SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
    SLUICE_ASSIGN_OR_RETURN(const DueMarksSql marks, MarksSql(*c, due));
    for (const Segment& s : segments->segments) {
      if (s.state != SegmentState::kSealed) continue;
      SLUICE_ASSIGN_OR_RETURN(std::optional<CoveredSegment> covered,
                              JudgeSegment(*c, marks, due.size(), s));
      if (covered) chosen.push_back(std::move(*covered));
    }
  }
  // Sealed segments take no new rows, and restores of the due marks are refused while the
  // purge runs, so the rows found purgeable stay so and the others are the ones listed.
  for (CoveredSegment& covered : chosen) {
    Segment victim = std::move(covered.segment);
    if (!covered.keep.empty()) SLUICE_RETURN_IF_ERROR(MoveRowsOut(victim, covered.keep));
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      SLUICE_RETURN_IF_ERROR(CommitSegmentChange(
          "UPDATE event_segments SET state = 2 WHERE seg = " + std::to_string(victim.seg),
          [&](SegmentSet& set) {
            std::erase_if(set.segments, [&](const Segment& s) { return s.seg == victim.seg; });
          }));
      if (write_state_.moving_from == victim.table) write_state_.moving_from.clear();
    }
    SLUICE_RETURN_IF_ERROR(DropSegmentTable(std::move(victim)));
    for (size_t k = 0; k < due.size(); ++k) (*purged_per_mark)[k] += covered.purged[k];
  }
  return Status();
}

Status SqliteStore::MoveRowsOut(Segment& victim, const std::vector<int64_t>& keys) {
  // The rows that stay are copied to the open segment, keeping their key and transaction.
  // First the segment is published as moving: from then on a read skips its rows that have
  // a copy, so each row is read once whichever side of a copy's commit the read is.
  const auto pin = std::make_shared<const int>(0);
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    if (!write_state_.moving_from.empty()) {
      return FailedPreconditionError("event segment " + write_state_.moving_from +
                                     " is still moving");
    }
    const std::string target = Segments()->open().table;
    auto mark_moving = [&](SegmentSet& set) {
      for (Segment& s : set.segments) {
        if (s.seg != victim.seg) continue;
        s.state = SegmentState::kMoving;
        s.moved_to = target;
        s.pin = pin;
      }
    };
    const std::string sql = "UPDATE event_segments SET state = 3, moved_to = '" + target +
                            "' WHERE seg = " + std::to_string(victim.seg);
    SLUICE_RETURN_IF_ERROR(CommitSegmentChange(sql, mark_moving));
    write_state_.moving_from = victim.table;
    victim.state = SegmentState::kMoving;
    victim.moved_to = target;
  }
  // No read may still use a set in which the segment is not marked moving (those hold the
  // old pin); from here on `victim` holds the new one.
  WaitUntilUnused(victim);
  victim.pin = pin;
  Status copied =
      InRanges(
          write_mu_, *writer_, {0, static_cast<int64_t>(keys.size()) - 1},
          [this] { return InsertsActive(); },
          [&](int64_t lo, int64_t hi) -> Result<int64_t> {
            hi = std::min<int64_t>(hi, static_cast<int64_t>(keys.size()));
            // The step's keys as one JSON array, bound to both statements: their texts
            // stay the same from step to step, each compiled once.
            const std::string list = IntsToJson(
                std::span(keys).subspan(static_cast<size_t>(lo), static_cast<size_t>(hi - lo)));
            SLUICE_RETURN_IF_ERROR(AddOpenKeys(victim.moved_to, victim.table, list));
            SLUICE_ASSIGN_OR_RETURN(
                Statement * copy,
                writer_->Prepare("INSERT INTO " + victim.moved_to + " SELECT * FROM " +
                                 victim.table +
                                 " WHERE row_key IN (SELECT value FROM json_each(?1))"));
            SLUICE_RETURN_IF_ERROR(copy->Bind(1, list).Run());
            const int64_t copied_rows = writer_->Changes();
            // The copies count toward the open segment's size (when it is sealed).
            write_state_.open_rows += copied_rows;
            return copied_rows;
          })
          .status();
  if (!copied.ok()) {
    UndoMoveInPlace(victim).IgnoreError();  // else the next purge or open does it
    return copied;
  }
  return Status();
}

Result<std::vector<std::pair<std::string, int64_t>>> SqliteStore::PurgeExpiredMarks(
    TimestampMicros now) {
  std::lock_guard<std::mutex> one_purge(purge_mu_);
  SLUICE_RETURN_IF_ERROR(FinishSegmentWork());
  std::vector<model::RetentionMark> due;
  {
    // Read on the writer so that no restore slips in between: from here until the purge ends,
    // restores of these marks are refused.
    std::lock_guard<std::mutex> lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(
        due, QueryMarks(*writer_, "state = 0 AND purge_after <= " + std::to_string(now), {}));
    for (const auto& m : due) write_state_.purging_marks.push_back(m.id);
  }
  struct EndPurge {
    SqliteStore* store;
    ~EndPurge() {
      std::lock_guard<std::mutex> lock(store->write_mu_);
      store->write_state_.purging_marks.clear();
    }
  } end_purge{this};
  std::vector<int64_t> purged(due.size(), 0);
  // Whole segments first: a segment every row of which the due marks hide is dropped (and one
  // with no rows left, due marks or not).
  SLUICE_RETURN_IF_ERROR(DropCoveredSegments(due, &purged));
  if (due.empty()) return std::vector<std::pair<std::string, int64_t>>();
  // Then the rest row by row, segment by segment.
  for (size_t i = 0; i < due.size(); ++i) {
    const model::RetentionMark& m = due[i];
    // A purge stopped midway leaves the mark active with part of its rows gone; the next purge
    // deletes the rest and then marks it purged.
    const std::shared_ptr<const SegmentSet> segments = Segments();
    SLUICE_ASSIGN_OR_RETURN(auto reader, AcquireReader());
    for (const Segment& s : segments->segments) {
      SLUICE_ASSIGN_OR_RETURN(int64_t n, PurgeMarkRows(write_mu_, *writer_, *reader, s.table, m,
                                                       [this] { return InsertsActive(); }));
      purged[i] += n;
    }
    SLUICE_RETURN_IF_ERROR(FinishPurgedMark(write_mu_, *writer_, m));
  }
  std::vector<std::pair<std::string, int64_t>> per_run;
  for (size_t i = 0; i < due.size(); ++i) {
    if (!per_run.empty() && per_run.back().first == due[i].run_id) {
      per_run.back().second += purged[i];
    } else {
      per_run.emplace_back(due[i].run_id, purged[i]);
    }
  }

  return per_run;
}

Status SqliteStore::ReclaimSpace() {
  // The database uses incremental auto-vacuum; the steps release the write lock in between.
  return VacuumFreedPages(write_mu_, *writer_, [this] { return InsertsActive(); });
}

}  // namespace sluice::store::sqlite
