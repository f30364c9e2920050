// The in-memory keys of event segments (sqlite_segments.h): the id filters of sealed segments
// (blocked Bloom filters) and OpenKeys, the hash tables of the open segment's ids and roots.
// docs/storage.md explains where each is used.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
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

}  // namespace sluice::store::sqlite
