#include "api/otlp/attribute_index.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace sluice::api::otlp {

namespace {

// Every byte counts: many keys share their start and end ("gen_ai.prompt.0.content",
// "gen_ai.prompt.1.content"). Eight bytes at a time, each word mixed in by a multiply.
uint64_t HashOf(std::string_view key) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  uint64_t h = key.size() * kMul;
  size_t i = 0;
  for (; i + 8 <= key.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, key.data() + i, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  if (i < key.size()) {
    uint64_t w = 0;
    std::memcpy(&w, key.data() + i, key.size() - i);
    h = (h ^ w) * kMul;
  }
  h ^= h >> 32;
  return h * 0xC2B2AE3D27D4EB4Full;
}

}  // namespace

size_t AttributeIndex::FilterBit(std::string_view key) {
  if (key.empty()) return 0;
  return (key.size() * 131 + static_cast<uint8_t>(key.front()) * 7 +
          static_cast<uint8_t>(key.back())) &
         255;
}

AttributeIndex::AttributeIndex(const DecodedRequest& r, ValueRange range) : r_(r) {
  entries_.reserve(range.end - range.begin);  // at least the attributes, at most every value
  for (uint32_t i = range.begin; i < range.end; i += r.values[i].subtree) {
    const std::string_view key = r.values[i].key;
    entries_.push_back({key, HashOf(key), i});
    const size_t bit = FilterBit(key);
    filter_[bit / 64] |= uint64_t{1} << (bit % 64);
  }
  // At most half full, so that a probe for an absent key ends soon.
  slots_.assign(std::bit_ceil(std::max<size_t>(8, 2 * entries_.size())), 0);
  mask_ = slots_.size() - 1;
  for (uint32_t e = 0; e < entries_.size(); ++e) {
    Entry& entry = entries_[e];
    for (uint64_t s = entry.hash & mask_;; s = (s + 1) & mask_) {
      if (slots_[s] == 0) {
        slots_[s] = e + 1;
        break;
      }
      const Entry& held = entries_[slots_[s] - 1];
      if (held.hash == entry.hash && held.key == entry.key) {
        entry.earlier = slots_[s] - 1;
        slots_[s] = e + 1;
        break;
      }
    }
  }
}

uint32_t AttributeIndex::Last(std::string_view key) const {
  const size_t bit = FilterBit(key);
  if ((filter_[bit / 64] >> (bit % 64) & 1) == 0) return kNone;
  const uint64_t hash = HashOf(key);
  for (uint64_t s = hash & mask_; slots_[s] != 0; s = (s + 1) & mask_) {
    const Entry& held = entries_[slots_[s] - 1];
    if (held.hash == hash && held.key == key) return slots_[s] - 1;
  }
  return kNone;
}

std::optional<uint32_t> AttributeIndex::Find(std::string_view key) const {
  const uint32_t e = Last(key);
  if (e == kNone) return std::nullopt;
  return entries_[e].value_index;
}

void AttributeIndex::MarkChain(uint32_t last) {
  for (uint32_t e = last; e != kNone; e = entries_[e].earlier) entries_[e].taken = true;
}

std::optional<uint32_t> AttributeIndex::Take(std::string_view key) {
  const uint32_t last = Last(key);
  if (last == kNone) return std::nullopt;
  MarkChain(last);
  return entries_[last].value_index;
}

void AttributeIndex::MarkTaken(std::string_view key) { MarkChain(Last(key)); }

std::vector<const AttributeIndex::Entry*> AttributeIndex::EntriesWithPrefix(std::string_view prefix,
                                                                            size_t shortest) const {
  std::vector<const Entry*> found;  // in request order
  for (const Entry& e : entries_) {
    if (e.key.size() > shortest && e.key.starts_with(prefix)) found.push_back(&e);
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
