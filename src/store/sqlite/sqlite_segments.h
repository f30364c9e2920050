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
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/sqlite/sqlite_db.h"

namespace sluice::store::sqlite {

// A Bloom filter of (obj_key, id_hash) pairs: MayContain is false only for pairs never added.
// Blocked: all of a pair's bits lie in one 64-byte block, so a lookup reads one cache line.
// Every new id is looked up in every sealed segment's filter: at 38 segments (10M spans) the
// lookups, each waiting for its memory read in turn, were 8% of the server's CPU on ingest.
class IdFilter {
 public:
  // A pair's hashes, computed once for the lookups in many filters.
  struct Probe {
    uint64_t block_hash;
    uint64_t bits;
  };
  static Probe ProbeFor(int64_t obj_key, int64_t id_hash);

  explicit IdFilter(size_t expected_keys);
  void Add(int64_t obj_key, int64_t id_hash);
  bool MayContain(int64_t obj_key, int64_t id_hash) const {
    return MayContain(ProbeFor(obj_key, id_hash));
  }
  bool MayContain(const Probe& p) const;
  // Starts loading the probe's block, so that the lookups in many filters overlap their
  // memory reads instead of waiting for each in turn.
  void Prefetch(const Probe& p) const { __builtin_prefetch(&blocks_[BlockOf(p)]); }
  // The memory the filter's bits take.
  size_t bytes() const { return blocks_.size() * sizeof(Block); }

 private:
  struct alignas(64) Block {
    uint64_t words[8];
  };
  // The block a probe's bits are in: its hash scaled to the block count (the high half of the
  // product), so that the count need not be a power of two, which would round the memory up
  // to as much as twice what the filter needs (1 MiB instead of 527 KiB for a sealed
  // segment's 270,000 ids).
  size_t BlockOf(const Probe& p) const {
    return static_cast<size_t>((static_cast<unsigned __int128>(p.block_hash) * blocks_.size()) >>
                               64);
  }
  std::vector<Block> blocks_;
};

// The ids and roots of the open segment's rows, in memory. The open segment has no SQLite index
// on its id or root hashes: those keys are random, so every commit rewrote most of the pages of
// both indexes (14-17x the bytes stored at 100-row requests). The writer adds each row here
// before its commit, so the keys always cover what any reader's snapshot holds; when the segment
// is sealed they are written, sorted, to its key tables (SealedKeysDdl). A lookup answers a
// superset: rows since replaced or rolled back, or of another object, stay listed (the caller's SQL
// tests the row itself). Safe for one writer and any number of readers.
class OpenKeys {
 public:
  class Spares;
  // `loaded`: false for a segment that already held rows when the store opened; those are read
  // from its table on first use (an admin command opening the file never reads them).
  // `spares`: where it takes the memory of an earlier segment's keys from, and leaves its own
  // when it goes (null: neither).
  explicit OpenKeys(bool loaded, std::shared_ptr<Spares> spares = nullptr);
  ~OpenKeys();
  OpenKeys(const OpenKeys&) = delete;
  OpenKeys& operator=(const OpenKeys&) = delete;
  // Reads the keys of `table`'s rows, once; call before any other use. The writer adds its rows
  // after this, so a row committed while another caller loads is listed either way.
  Status Load(Connection& c, const std::string& table);
  void Add(int64_t id_hash, int64_t root_hash, int64_t row_key);
  // Adds every row a prepared `SELECT id_hash, root_hash, row_key …` returns, then resets it.
  Status AddRows(Statement& q);
  // The row keys of the rows that may have this id (root) hash, appended to `out`.
  void RowsWithId(int64_t id_hash, std::vector<int64_t>* out) const;
  void RowsWithRoot(int64_t root_hash, std::vector<int64_t>* out) const;
  size_t rows() const;
  // Calls `f(hash, row_key)` for every id (root) listed, in no order.
  void ForEachId(const std::function<void(int64_t, int64_t)>& f) const;
  void ForEachRoot(const std::function<void(int64_t, int64_t)>& f) const;

 private:
  // A multimap from 64-bit hashes to row keys: open addressing over the distinct hashes, each
  // slot heading a chain of its rows (a trace's root hash has one entry per span).
  class Multimap {
   public:
    struct Slot {
      uint64_t key;
      uint32_t head;  // kNone: an empty slot
    };
    struct Row {
      int64_t row_key;
      uint32_t next;
    };
    // A map's storage, handed from one map to another.
    struct Memory {
      std::vector<Slot> slots;
      std::vector<Row> rows;
    };

    Multimap();
    void Add(uint64_t key, int64_t row_key);
    void Find(uint64_t key, std::vector<int64_t>* out) const;
    void ForEach(const std::function<void(int64_t, int64_t)>& f) const;
    size_t rows() const { return rows_.size(); }
    // Gives up its storage (the map is left unusable: call only as it goes).
    Memory TakeMemory();
    // An empty map takes `m` over, emptied, with as many slots as it has room for.
    void UseMemory(Memory m);

   private:
    static constexpr uint32_t kNone = UINT32_MAX;
    size_t SlotOf(uint64_t key) const;  // its slot, or the empty one where it would go
    void Grow();
    std::vector<Slot> slots_;
    std::vector<Row> rows_;
    size_t used_ = 0;  // slots holding a key
  };
  std::mutex load_mu_;
  std::atomic<bool> loaded_;
  mutable std::shared_mutex mu_;
  Multimap ids_;
  Multimap roots_;
  std::shared_ptr<Spares> spares_;

 public:
  // The memory of a sealed segment's keys, kept for the next open segment's: an open segment's
  // maps grow to some 24 MB, and memory the process gets afresh costs a page fault per 4 KiB
  // page as it is first written (docs/benchmarks.md). Holds at most one segment's; the larger
  // is kept.
  class Spares {
   public:
    void Put(Multimap::Memory ids, Multimap::Memory roots);
    // False when it holds none.
    bool Take(Multimap::Memory* ids, Multimap::Memory* roots);

   private:
    std::mutex mu_;
    bool held_ = false;
    Multimap::Memory ids_;
    Multimap::Memory roots_;
  };
};

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
