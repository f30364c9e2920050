#include "store/sqlite/sqlite_open_keys.h"

#include <algorithm>
#include <cstring>

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

}  // namespace sluice::store::sqlite
