#include "store/sqlite/sqlite_segments.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "common/catch_all.h"
#include "common/clock.h"
#include "common/log.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::store::sqlite {

namespace {

// Bits set per pair, each picked by 9 bits of the pair's second hash within its block (seven use
// 63 of its 64 bits). At 20 bits per key, about 0.03% false positives (16 bits and six bits per
// pair gave 0.12%: with 33 sealed segments, 4% of new ids then probed a key table on disk,
// about a third of the id lookups' time; docs/benchmarks.md, "Fewer false positives").
constexpr int kFilterProbes = 7;
constexpr uint64_t kFilterBitsPerKey = 20;

}  // namespace

// Two independent hashes of the pair: the first picks the block, the second the bits in it.
IdFilter::Probe IdFilter::ProbeFor(int64_t obj_key, int64_t id_hash) {
  const uint64_t a = Mix64(static_cast<uint64_t>(id_hash) ^ Mix64(static_cast<uint64_t>(obj_key)));
  return {a, Mix64(a + 0x9e3779b97f4a7c15ULL)};
}

IdFilter::IdFilter(size_t expected_keys) {
  const uint64_t bits = std::max<uint64_t>(1024, expected_keys * kFilterBitsPerKey);
  blocks_.assign((bits + 511) / 512, Block{});
}

void IdFilter::Add(int64_t obj_key, int64_t id_hash) {
  const Probe p = ProbeFor(obj_key, id_hash);
  Block& b = blocks_[BlockOf(p)];
  uint64_t bits = p.bits;
  for (int i = 0; i < kFilterProbes; ++i, bits >>= 9) {
    b.words[(bits >> 6) & 7] |= uint64_t{1} << (bits & 63);
  }
}

bool IdFilter::MayContain(const Probe& p) const {
  const Block& b = blocks_[BlockOf(p)];
  uint64_t bits = p.bits;
  for (int i = 0; i < kFilterProbes; ++i, bits >>= 9) {
    if ((b.words[(bits >> 6) & 7] & (uint64_t{1} << (bits & 63))) == 0) return false;
  }
  return true;
}

OpenKeys::Multimap::Multimap() : slots_(1024, Slot{0, kNone}) {}

size_t OpenKeys::Multimap::SlotOf(uint64_t key) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = Mix64(key) & mask;; i = (i + 1) & mask) {
    if (slots_[i].head == kNone || slots_[i].key == key) return i;
  }
}

void OpenKeys::Multimap::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.size() * 2, Slot{0, kNone});
  for (const Slot& s : old) {
    if (s.head != kNone) slots_[SlotOf(s.key)] = s;
  }
}

void OpenKeys::Multimap::Add(uint64_t key, int64_t row_key) {
  if ((used_ + 1) * 2 > slots_.size()) Grow();
  Slot& s = slots_[SlotOf(key)];
  if (s.head == kNone) {
    s.key = key;
    ++used_;
  }
  rows_.push_back(Row{row_key, s.head});
  s.head = static_cast<uint32_t>(rows_.size() - 1);
}

OpenKeys::Multimap::Memory OpenKeys::Multimap::TakeMemory() {
  used_ = 0;
  return Memory{std::move(slots_), std::move(rows_)};
}

void OpenKeys::Multimap::UseMemory(Memory m) {
  if (used_ != 0 || !rows_.empty()) return;  // only an empty map takes memory over
  size_t n = slots_.size();
  while (n * 2 <= m.slots.capacity()) n *= 2;
  if (n > slots_.size()) {
    // Writing pages already mapped costs a memset; a fresh page costs a fault.
    m.slots.assign(n, Slot{0, kNone});
    slots_ = std::move(m.slots);
  }
  if (m.rows.capacity() > rows_.capacity()) {
    m.rows.clear();
    rows_ = std::move(m.rows);
  }
}

void OpenKeys::Multimap::Find(uint64_t key, std::vector<int64_t>* out) const {
  for (uint32_t r = slots_[SlotOf(key)].head; r != kNone; r = rows_[r].next) {
    out->push_back(rows_[r].row_key);
  }
}

void OpenKeys::Multimap::ForEach(const std::function<void(int64_t, int64_t)>& f) const {
  for (const Slot& s : slots_) {
    for (uint32_t r = s.head; r != kNone; r = rows_[r].next) {
      f(static_cast<int64_t>(s.key), rows_[r].row_key);
    }
  }
}

OpenKeys::OpenKeys(bool loaded, std::shared_ptr<Spares> spares)
    : loaded_(loaded), spares_(std::move(spares)) {
  Multimap::Memory ids;
  Multimap::Memory roots;
  if (spares_ != nullptr && spares_->Take(&ids, &roots)) {
    ids_.UseMemory(std::move(ids));
    roots_.UseMemory(std::move(roots));
  }
}

OpenKeys::~OpenKeys() {
  if (spares_ != nullptr) spares_->Put(ids_.TakeMemory(), roots_.TakeMemory());
}

void OpenKeys::Spares::Put(Multimap::Memory ids, Multimap::Memory roots) {
  const auto size = [](const Multimap::Memory& m) {
    return m.slots.capacity() * sizeof(Multimap::Slot) + m.rows.capacity() * sizeof(Multimap::Row);
  };
  std::lock_guard<std::mutex> lock(mu_);
  if (held_ && size(ids) + size(roots) <= size(ids_) + size(roots_)) return;
  // What is replaced is freed here, on the thread that let the last segment's keys go.
  ids_ = std::move(ids);
  roots_ = std::move(roots);
  held_ = true;
}

bool OpenKeys::Spares::Take(Multimap::Memory* ids, Multimap::Memory* roots) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!held_) return false;
  *ids = std::move(ids_);
  *roots = std::move(roots_);
  ids_ = {};
  roots_ = {};
  held_ = false;
  return true;
}

Status OpenKeys::Load(Connection& c, const std::string& table) {
  if (loaded_.load(std::memory_order_acquire)) return Status();
  std::lock_guard<std::mutex> lock(load_mu_);
  if (loaded_.load(std::memory_order_relaxed)) return Status();
  SLUICE_ASSIGN_OR_RETURN(Statement * q,
                          c.Prepare("SELECT id_hash, root_hash, row_key FROM " + table));
  SLUICE_RETURN_IF_ERROR(AddRows(*q));
  loaded_.store(true, std::memory_order_release);
  return Status();
}

Status OpenKeys::AddRows(Statement& q) {
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    Add(q.Int(0), q.Int(1), q.Int(2));
  }
  q.Reset();
  return Status();
}

void OpenKeys::Add(int64_t id_hash, int64_t root_hash, int64_t row_key) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  ids_.Add(static_cast<uint64_t>(id_hash), row_key);
  roots_.Add(static_cast<uint64_t>(root_hash), row_key);
}

void OpenKeys::RowsWithId(int64_t id_hash, std::vector<int64_t>* out) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  ids_.Find(static_cast<uint64_t>(id_hash), out);
}

void OpenKeys::RowsWithRoot(int64_t root_hash, std::vector<int64_t>* out) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  roots_.Find(static_cast<uint64_t>(root_hash), out);
}

size_t OpenKeys::rows() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return ids_.rows();
}

void OpenKeys::ForEachId(const std::function<void(int64_t, int64_t)>& f) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  ids_.ForEach(f);
}

void OpenKeys::ForEachRoot(const std::function<void(int64_t, int64_t)>& f) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  roots_.ForEach(f);
}

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
  Connection& c = rows;
  SLUICE_RETURN_IF_ERROR(keys.Load(c, table));
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
    SLUICE_ASSIGN_OR_RETURN(Statement * q, c.Prepare("SELECT row_key, obj_key FROM " + table +
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

Status ReplaceAllEventsView(Connection& c, const SegmentSet& set) {
  SLUICE_RETURN_IF_ERROR(c.Exec("DROP VIEW IF EXISTS events_all"));
  return c.Exec("CREATE VIEW events_all AS " + UnionSql(set, "SELECT * FROM $E"));
}

// ---- the store's segments ----

std::shared_ptr<const SegmentSet> SqliteStore::Segments() const {
  std::lock_guard<std::mutex> lock(segments_mu_);
  return segments_;
}

void SqliteStore::UpdateSegments(const std::function<void(SegmentSet&)>& edit) {
  std::lock_guard<std::mutex> lock(segments_mu_);
  auto next = std::make_shared<SegmentSet>(segments_ ? *segments_ : SegmentSet{});
  edit(*next);
  segments_ = std::move(next);
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

namespace {

// Runs `sql` in a transaction of its own: one segment's part of the upgrade a store of an earlier
// layout gets when it opens, one segment at a time, so that a large store's first open keeps what
// it has done if it stops. Logs "event segment <table>: <done> in <ms> ms" when `log` is set.
Status UpgradeSegment(Connection& c, const std::string& table, const std::string& sql,
                      std::string_view done, bool log = true) {
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

}  // namespace

Status SqliteStore::LoadSegmentState() {
  std::lock_guard<std::mutex> lock(write_mu_);
  Connection& c = *writer_;
  // While another process holds the purge lease (a server, when this is an admin command), a
  // drop or move in the catalog is its work in progress, not a crash's leftover.
  SLUICE_ASSIGN_OR_RETURN(Statement * l,
                          c.Prepare("SELECT count(*) FROM leases WHERE name = ? AND expires > ?"));
  l->Bind(1, std::string(Store::kPurgeLease)).Bind(2, RealClock().NowMicros());
  SLUICE_ASSIGN_OR_RETURN(bool leased, l->Step());
  const bool purge_live = leased && l->Int(0) > 0;
  l->Reset();
  SLUICE_ASSIGN_OR_RETURN(std::vector<Segment> stored, LoadSegments(c));
  SegmentSet set;
  std::vector<int64_t> catalog;  // what the catalog keeps of it, published or not
  bool changed = false;
  for (Segment& s : stored) {
    if (s.state == SegmentState::kDropping) {
      if (purge_live) {  // unpublished; the purge drops it
        catalog.push_back(s.seg);
        continue;
      }
      // A drop a crash interrupted: its rows were purged, the table goes now.
      Transaction txn(c);
      SLUICE_RETURN_IF_ERROR(txn.Begin());
      SLUICE_RETURN_IF_ERROR(c.Exec(DropSegmentDdl(s.table)));
      SLUICE_RETURN_IF_ERROR(
          c.Exec("DELETE FROM event_segments WHERE seg = " + std::to_string(s.seg)));
      SLUICE_RETURN_IF_ERROR(txn.Commit());
      changed = true;
      continue;
    }
    if (s.state == SegmentState::kMoving) {
      if (purge_live) {
        moving_from_ = s.table;
      } else {
        // A move a crash interrupted: the segment still has every row, so the copies go.
        Transaction txn(c);
        SLUICE_RETURN_IF_ERROR(txn.Begin());
        SLUICE_RETURN_IF_ERROR(c.Exec(UndoMoveSql(s)));
        SLUICE_RETURN_IF_ERROR(txn.Commit());
        s.state = SegmentState::kSealed;
        s.moved_to.clear();
        changed = true;
      }
    }
    catalog.push_back(s.seg);
    set.segments.push_back(std::move(s));
  }
  if (set.segments.empty() || set.open().state != SegmentState::kOpen) {
    return InternalError("the event segment catalog has no open segment");
  }
  for (const Segment& s : set.segments) {
    SLUICE_ASSIGN_OR_RETURN(Statement * q, c.Prepare("SELECT max(row_key) FROM " + s.table));
    SLUICE_ASSIGN_OR_RETURN(bool row, q->Step());
    if (row && !q->IsNull(0)) next_row_key_ = std::max(next_row_key_, q->Int(0) + 1);
    q->Reset();
  }
  SLUICE_ASSIGN_OR_RETURN(Statement * n, c.Prepare("SELECT count(*) FROM " + set.open().table));
  SLUICE_ASSIGN_OR_RETURN(bool counted, n->Step());
  open_rows_ = counted ? n->Int(0) : 0;
  n->Reset();
  if (changed) SLUICE_RETURN_IF_ERROR(ReplaceAllEventsView(c, set));
  // The open segment's ids and roots are indexed in memory, the sealed segments' in their key
  // tables: each sealed segment without them gets them now (CompleteKeysFile), from its SQLite
  // id and root indexes if an earlier version left it some. Those indexes then go from every
  // segment, wherever an earlier version left them (an open segment of a store written before
  // OpenKeys, a sealed one before the key tables, one an older sluice indexed again). No-ops
  // once in place.
  SLUICE_RETURN_IF_ERROR(CompleteKeysFile(set, catalog));
  {
    std::string drop_indexes;
    for (const Segment& s : set.segments) drop_indexes += DropSealedIndexesDdl(s.table);
    Transaction txn(c);
    SLUICE_RETURN_IF_ERROR(txn.Begin());
    SLUICE_RETURN_IF_ERROR(c.Exec(drop_indexes));
    SLUICE_RETURN_IF_ERROR(txn.Commit());
  }
  SLUICE_RETURN_IF_ERROR(RebuildOldCreatedIndexes(c, set));
  set.segments.back().keys = std::make_shared<OpenKeys>(open_rows_ == 0, key_spares_);
  std::vector<int64_t> sealed;
  for (const Segment& s : set.segments) {
    if (s.state != SegmentState::kOpen) sealed.push_back(s.seg);
  }
  UpdateSegments([&](SegmentSet& out) { out = std::move(set); });
  // The id filters are built in the background: until a segment's is ready, lookups probe it.
  filter_builder_ = std::thread([this] { KeyWorkLoop(); });
  for (int64_t seg : sealed) QueueKeyJob({KeyJob::Kind::kFilter, seg, std::string()});
  return Status();
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

void SqliteStore::QueueKeyJob(KeyJob job) {
  {
    std::lock_guard<std::mutex> lock(filter_mu_);
    key_jobs_.push_back(std::move(job));
  }
  filter_cv_.notify_one();
}

void SqliteStore::WaitForKeyWork() {
  std::unique_lock<std::mutex> lock(filter_mu_);
  key_jobs_done_cv_.wait(lock, [this] { return key_jobs_.empty() && !key_job_running_; });
}

void SqliteStore::StopKeyWork() {
  {
    std::lock_guard<std::mutex> lock(filter_mu_);
    filter_stop_ = true;
  }
  filter_cv_.notify_one();
  if (filter_builder_.joinable()) filter_builder_.join();
}

void SqliteStore::KeyWorkLoop() {
  std::unique_lock<std::mutex> lock(filter_mu_);
  for (;;) {
    filter_cv_.wait(lock, [this] { return filter_stop_ || !key_jobs_.empty(); });
    if (key_jobs_.empty()) break;  // stopping, with nothing left
    KeyJob job = std::move(key_jobs_.front());
    key_jobs_.pop_front();
    // A filter only saves reads; a closing store leaves them.
    if (filter_stop_ && job.kind == KeyJob::Kind::kFilter) continue;
    key_job_running_ = true;
    lock.unlock();
    switch (job.kind) {
      case KeyJob::Kind::kFilter:
        // Without its filter a segment is still read correctly, only by its key table.
        (void)CatchAll("id filter builder", [this, &job] { BuildIdFilterOf(job.seg); });
        break;
      case KeyJob::Kind::kWriteKeys: {
        // Until they are written the segment's OpenKeys answer for it; if they cannot be
        // written, the store writes them when it next opens.
        Status written;
        const Status caught =
            CatchAll("key tables", [this, &job, &written] { written = WriteKeysOf(job.seg); });
        if (!caught.ok()) written = caught;
        if (!written.ok()) {
          SLUICE_LOG_WARN(
              "event segment {}: its key tables were not written ({}); its ids and "
              "roots stay in memory until the store next opens",
              job.table, written.ToString());
        }
        break;
      }
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
    lock.lock();
    key_job_running_ = false;
    key_jobs_done_cv_.notify_all();
  }
  key_jobs_done_cv_.notify_all();
}

Status SqliteStore::WriteKeysOf(int64_t seg) {
  // Held while the tables are written: the segment is not dropped meanwhile.
  const std::shared_ptr<const SegmentSet> set = Segments();
  const Segment* s = nullptr;
  for (const Segment& x : set->segments) {
    if (x.seg == seg) s = &x;
  }
  if (s == nullptr || s->state == SegmentState::kOpen || s->keys == nullptr) return Status();
  if (options_.before_key_tables) options_.before_key_tables(seg);
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
  return Status();
}

Status SqliteStore::MaybeSealOpenSegment() {
  auto current = Segments();
  const int64_t threshold =
      options_.segment_rows * (1 + static_cast<int64_t>(current->segments.size()) / 64);
  // A segment moving its rows into the open one keeps it open until done (a sealed segment only
  // loses rows, which its id filter relies on). Past kMaxSegments the open one keeps growing:
  // one query merges at most 500 segments.
  if (open_rows_ < threshold || !moving_from_.empty() ||
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
  const int64_t sealed_rows = open_rows_;
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
  open_rows_ = 0;
  QueueKeyJob({KeyJob::Kind::kWriteKeys, sealed, sealed_table});
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

void SqliteStore::BuildIdFilterOf(int64_t seg) {
  auto set = Segments();
  const Segment* s = nullptr;
  for (const Segment& x : set->segments) {
    if (x.seg == seg) s = &x;
  }
  if (s == nullptr) return;
  auto c = AcquireReader();
  if (!c.ok()) return;  // lookups keep probing the table
  auto filter = BuildIdFilter(**c, s->table, &filter_stop_);
  if (!filter.ok()) return;
  UpdateSegments([&](SegmentSet& out) {
    for (Segment& x : out.segments) {
      if (x.seg == seg) x.ids = *filter;
    }
  });
}

}  // namespace sluice::store::sqlite
