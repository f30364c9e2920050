// Event segments (internal to store/sqlite). The events of all objects live in a series of
// tables, each with the same columns and indexes: the open segment takes new rows; once it holds
// enough rows it is sealed and a new one opens. Sealed segments only lose rows (a row that is
// replaced moves to the open segment), so a purge whose marks hide every row of a sealed segment
// drops the table instead of deleting rows and index entries one by one. Reads are one compound
// SELECT over the segments (SQLite merges the arms' index orders); id lookups skip sealed
// segments whose Bloom filter rules the id out. docs/storage.md explains the layout.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_open_keys.h"

namespace sluice::store::sqlite {

// kMoving: a sealed segment whose remaining rows are being copied to `moved_to` before it is
// dropped; its rows that have a copy there (same row_key) are not read from it.
enum class SegmentState : int { kOpen = 0, kSealed = 1, kDropping = 2, kMoving = 3 };

struct Segment {
  int64_t seg = 0;
  std::string table;
  SegmentState state = SegmentState::kOpen;
  std::string moved_to;  // kMoving: the table its rows are copied to
  // Sealed segments: the ids they hold (null until built: probe the table).
  std::shared_ptr<const IdFilter> ids;
  // The open segment (and, in sets published before it was sealed, the segment it was): its
  // rows' ids and roots. Null: the segment's key tables answer (SealedKeysDdl).
  std::shared_ptr<OpenKeys> keys;
  // Shared by every copy of this segment in any SegmentSet: while another copy exists, a
  // reader or the writer may still use the table, so it is not dropped.
  std::shared_ptr<const int> pin;
};

// The published segments, ascending; the last is the open one. Immutable once published.
struct SegmentSet {
  std::vector<Segment> segments;
  const Segment& open() const { return segments.back(); }
};

// The set readers take and the store replaces. Thread-safe.
class PublishedSegments {
 public:
  // The current set (null before the first Update); holding it keeps its tables from being
  // dropped.
  std::shared_ptr<const SegmentSet> Get() const;
  // Publishes edit(a copy of the current set) as the new set.
  void Update(const std::function<void(SegmentSet&)>& edit);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const SegmentSet> set_;  // guarded by mu_
};

// "events" for segment 0 (the table every database starts with), "events_<seg>" after it.
std::string SegmentTable(int64_t seg);

// The statements creating segment `seg`'s table and the indexes of an open segment (the columns
// and order of segment 0's, so rows copy between segments with SELECT *).
std::string SegmentDdl(int64_t seg);

// The columns of a segment's created index. Pages in created order are ordered by (created,
// row_key), which the index gives as it is; _xact_id is there for the conditions on it (a
// scan's max_xact_id, retention marks, a created range's _xact_id window), so they read the
// index only. Earlier versions indexed (obj_key, created, xact_id), which left SQLite sorting
// each created value's rows by row_key in a temporary B-tree; the store rebuilds such an index
// when it opens.
inline constexpr std::string_view kCreatedIndexColumns = "obj_key, created, row_key, xact_id";
// The statement creating `table`'s created index.
std::string CreatedIndexDdl(const std::string& table);

// A sealed segment's ids and roots are looked up in two tables of its own, `<table>_ids` and
// `<table>_roots`: (obj_key, hash, row_key), the whole row their primary key, WITHOUT ROWID.
// They are written when the segment is sealed, from its OpenKeys, sorted: SQLite indexes on the
// segment's table, built by CREATE INDEX, read the whole table (its rows' texts) once per index
// while inserts waited (docs/storage.md). Like OpenKeys they may list more than the table holds
// (rows since deleted); a lookup tests the row itself. The statements creating them empty, and
// dropping them; both idempotent.
std::string SealedKeysDdl(const std::string& table);
std::string DropSealedKeysDdl(const std::string& table);

// Runs `sql` in a transaction of its own: one segment's part of the upgrade a store of an earlier
// layout gets when it opens, one segment at a time, so that a large store's first open keeps what
// it has done if it stops. Logs "event segment <table>: <done> in <ms> ms" when `log` is set.
Status UpgradeSegment(Connection& c, const std::string& table, const std::string& sql,
                      std::string_view done, bool log = true);

// The statements dropping a segment's table and its key tables. Idempotent.
std::string DropSegmentDdl(const std::string& table);

// Fills `table`'s key tables (created empty) on `keys_to` from `keys`, its rows' ids and roots,
// with each row's object read from its _xact_id index on `rows` (in one statement of its own, so
// that a transaction of `keys_to` holds no snapshot of the database); returns the filter of its
// ids. Rows `keys` lists that the table no longer holds are left out.
Result<std::shared_ptr<const IdFilter>> WriteSealedKeys(Connection& rows, Connection& keys_to,
                                                        const std::string& table, OpenKeys& keys);

// The statements filling `table`'s key tables (created empty) from the table's rows: a segment
// sealed by an earlier version, which indexed its table instead (those indexes,
// DropSealedIndexesDdl, are read if present, in their order).
std::string SealedKeysFromTableSql(const std::string& table);

// The statements dropping the SQLite id and root indexes of the earlier layouts: an open segment
// of a store written before OpenKeys, a sealed one before the key tables. Idempotent.
std::string DropSealedIndexesDdl(const std::string& table);

// `arm` once per segment, "$E" replaced by the segment's table, joined by UNION ALL. With an
// ORDER BY appended, SQLite merges the arms (each read in its index's order). `arm` is a SELECT
// ending in its WHERE clause (or its FROM): a moving segment's arm gets the condition that skips
// its copied rows appended.
std::string UnionSql(const SegmentSet& set, std::string_view arm);

// Same, with a condition per segment: `arm_condition(s)` is nullopt to leave segment s out, or
// a condition ("" for none) appended to its arm with AND. When every segment is left out, the
// open segment's arm is kept with a condition no row meets, so the statement has one arm.
std::string UnionSql(
    const SegmentSet& set, std::string_view arm,
    const std::function<std::optional<std::string>(const Segment&)>& arm_condition);

// The catalog as stored (event_segments), every state, ascending.
Result<std::vector<Segment>> LoadSegments(Connection& c);

// The ids of the rows in `table`, as a filter; kCancelled once *stop is set.
Result<std::shared_ptr<const IdFilter>> BuildIdFilter(Connection& c, const std::string& table,
                                                      const std::atomic<bool>* stop = nullptr);

// The statements that put moving segment `s` back to sealed: delete its copies in s.moved_to (it
// still holds every row) and update the catalog. Run them in one transaction.
std::string UndoMoveSql(const Segment& s);

// Returns once no SegmentSet but the one holding `s` has this segment (see Segment::pin): no
// read or write still uses its table.
void WaitUntilUnused(const Segment& s);

// Sealing stops at this many segments (SQLite merges at most 500 arms in one query).
inline constexpr int64_t kMaxSegments = 400;

// Replaces the view `events_all` (every stored row, for people and tools reading the file) with
// one over `set`'s segments.
Status ReplaceAllEventsView(Connection& c, const SegmentSet& set);

}  // namespace sluice::store::sqlite
