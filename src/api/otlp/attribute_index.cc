#include "api/otlp/attribute_index.h"

#include <algorithm>
#include <cstring>

namespace sluice::api::otlp {

AttributeIndex::AttributeIndex(const DecodedRequest& r, ValueRange range) : r_(r) {
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
  std::memcpy(&w, s.data(), std::min<size_t>(8, s.size()));
  return w;
}

}  // namespace

std::vector<const AttributeIndex::Entry*> AttributeIndex::EntriesWithPrefix(std::string_view prefix,
                                                                            size_t shortest) const {
  std::vector<const Entry*> found;  // in request order
  // Keys are first told apart by their first eight bytes (most differ there from the prefix).
  const size_t head = std::min<size_t>(8, prefix.size());
  const uint64_t mask = head == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * head)) - 1;
  const uint64_t prefix_head = Head(prefix) & mask;
  for (const Entry& e : entries_) {
    if (e.key.size() <= shortest || e.key.size() < prefix.size()) continue;
    if ((Head(e.key) & mask) != prefix_head) continue;
    if (e.key.starts_with(prefix)) found.push_back(&e);
  }
  // Insertion sort, which keeps request order among equal keys: a span has few such keys, and
  // std::stable_sort would allocate a buffer for them.
  for (size_t i = 1; i < found.size(); ++i) {
    const Entry* e = found[i];
    size_t j = i;
    for (; j > 0 && e->key < found[j - 1]->key; --j) found[j] = found[j - 1];
    found[j] = e;
  }
  return found;
}

std::vector<uint32_t> AttributeIndex::WithPrefix(std::string_view prefix) const {
  std::vector<uint32_t> out;
  for (const Entry* e : EntriesWithPrefix(prefix, 0)) out.push_back(e->value_index);
  return out;
}

std::vector<uint32_t> AttributeIndex::TakeWithPrefix(std::string_view prefix) {
  std::vector<uint32_t> out;
  for (const Entry* e : EntriesWithPrefix(prefix, prefix.size())) {
    entries_[e - entries_.data()].taken = true;
    out.push_back(e->value_index);
  }
  return out;
}

std::vector<uint32_t> AttributeIndex::Left() const {
  std::vector<uint32_t> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) {
    if (!e.taken) out.push_back(e.value_index);
  }
  return out;
}

}  // namespace sluice::api::otlp
