#include "api/otlp/attribute_index.h"

#include <algorithm>
#include <cstring>

namespace sluice::api::otlp {

namespace {

// Prefix scans sort at most this many keys by insertion.
constexpr size_t kInsertionSortMax = 32;

// The entry lists a thread keeps for its next indexes (a span's, and an event's inside it),
// each at most kKeptEntries long: an index is built for every span.
constexpr size_t kKeptLists = 4;
constexpr size_t kKeptEntries = 1024;

}  // namespace

std::vector<std::vector<AttributeIndex::Entry>>& AttributeIndex::KeptLists() {
  thread_local std::vector<std::vector<Entry>> lists;
  return lists;
}

AttributeIndex::~AttributeIndex() {
  std::vector<std::vector<Entry>>& kept = KeptLists();
  if (entries_.capacity() > 0 && entries_.capacity() <= kKeptEntries && kept.size() < kKeptLists) {
    kept.push_back(std::move(entries_));
  }
}

AttributeIndex::AttributeIndex(const DecodedRequest& r, ValueRange range) : r_(r) {
  if (std::vector<std::vector<Entry>>& kept = KeptLists(); !kept.empty()) {
    entries_ = std::move(kept.back());
    kept.pop_back();
    entries_.clear();
  }
  last_.fill(kNone);
  entries_.reserve(range.end - range.begin);  // at least the attributes, at most every value
  for (uint32_t i = range.begin; i < range.end; i += r.values[i].subtree) {
    const std::string_view key = r.values[i].key;
    const auto e = static_cast<uint32_t>(entries_.size());
    entries_.push_back({key, i});
    const size_t id = attribute_keys::Classify(key);
    if (id == attribute_keys::kCount) continue;
    entries_.back().earlier = last_[id];
    last_[id] = e;
  }
}

void AttributeIndex::MarkTakenAt(uint32_t value_index) {
  // Entries are in value order.
  auto it = std::lower_bound(entries_.begin(), entries_.end(), value_index,
                             [](const Entry& e, uint32_t index) { return e.value_index < index; });
  if (it != entries_.end() && it->value_index == value_index) it->taken = true;
}

namespace {

// The first min(8, size) bytes of `s`, little-endian, the rest zero.
uint64_t Head(std::string_view s) {
  uint64_t w = 0;
  if (s.size() >= 8) {
    std::memcpy(&w, s.data(), 8);  // one load, where a copy of variable length is a call
  } else {
    std::memcpy(&w, s.data(), s.size());
  }
  return w;
}

}  // namespace

void AttributeIndex::EntriesWithPrefix(std::string_view prefix, size_t shortest,
                                       std::vector<uint32_t>* out) const {
  out->clear();  // entry numbers, in request order first
  // Keys are first told apart by their first eight bytes (most differ there from the prefix).
  const size_t head = std::min<size_t>(8, prefix.size());
  const uint64_t mask = head == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * head)) - 1;
  const uint64_t prefix_head = Head(prefix) & mask;
  for (uint32_t n = 0; n < entries_.size(); ++n) {
    const std::string_view key = entries_[n].key;
    if (key.size() <= shortest || key.size() < prefix.size()) continue;
    if ((Head(key) & mask) != prefix_head) continue;
    if (key.starts_with(prefix)) out->push_back(n);
  }
  // Stable: request order among equal keys. A span has few such keys, and std::stable_sort
  // would allocate a buffer for them; an insertion sort of many would take quadratic time.
  auto by_key = [this](uint32_t a, uint32_t b) { return entries_[a].key < entries_[b].key; };
  if (out->size() > kInsertionSortMax) {
    std::stable_sort(out->begin(), out->end(), by_key);
    return;
  }
  for (size_t i = 1; i < out->size(); ++i) {
    const uint32_t n = (*out)[i];
    size_t j = i;
    for (; j > 0 && by_key(n, (*out)[j - 1]); --j) (*out)[j] = (*out)[j - 1];
    (*out)[j] = n;
  }
}

std::vector<uint32_t> AttributeIndex::WithPrefix(std::string_view prefix) const {
  std::vector<uint32_t> out;
  EntriesWithPrefix(prefix, 0, &out);
  for (uint32_t& n : out) n = entries_[n].value_index;
  return out;
}

void AttributeIndex::TakeWithPrefix(std::string_view prefix, std::vector<uint32_t>* out) {
  EntriesWithPrefix(prefix, prefix.size(), out);
  for (uint32_t& n : *out) {
    entries_[n].taken = true;
    n = entries_[n].value_index;
  }
}

}  // namespace sluice::api::otlp
