#include "api/otlp/attribute_index.h"

#include <algorithm>

namespace sluice::api::otlp {

AttributeIndex::AttributeIndex(const DecodedRequest& r, ValueRange range) : r_(r) {
  uint32_t position = 0;
  sorted_.reserve(range.end - range.begin);  // at least the attributes, at most every value
  for (uint32_t i = range.begin; i < range.end; i += r.values[i].subtree) {
    sorted_.push_back({r.values[i].key, i, position++});
  }
  taken_.assign(position, false);
  std::sort(sorted_.begin(), sorted_.end(), [](const Entry& a, const Entry& b) {
    return a.key != b.key ? a.key < b.key : a.position < b.position;
  });
}

std::pair<size_t, size_t> AttributeIndex::Range(std::string_view key) const {
  auto lo = std::lower_bound(sorted_.begin(), sorted_.end(), key,
                             [](const Entry& e, std::string_view k) { return e.key < k; });
  auto hi = lo;
  while (hi != sorted_.end() && hi->key == key) ++hi;
  return {static_cast<size_t>(lo - sorted_.begin()), static_cast<size_t>(hi - sorted_.begin())};
}

std::optional<uint32_t> AttributeIndex::Find(std::string_view key) const {
  auto [first, last] = Range(key);
  if (first == last) return std::nullopt;
  return sorted_[last - 1].value_index;
}

std::optional<uint32_t> AttributeIndex::Take(std::string_view key) {
  auto found = Find(key);
  if (found) MarkTaken(key);
  return found;
}

void AttributeIndex::MarkTaken(std::string_view key) {
  auto [first, last] = Range(key);
  for (size_t i = first; i < last; ++i) taken_[sorted_[i].position] = true;
}

std::vector<uint32_t> AttributeIndex::WithPrefix(std::string_view prefix) const {
  std::vector<uint32_t> out;
  auto it = std::lower_bound(sorted_.begin(), sorted_.end(), prefix,
                             [](const Entry& e, std::string_view k) { return e.key < k; });
  for (; it != sorted_.end() && it->key.starts_with(prefix); ++it) out.push_back(it->value_index);
  return out;
}

std::vector<uint32_t> AttributeIndex::Left() const {
  std::vector<std::pair<uint32_t, uint32_t>> left;  // (position, value index)
  for (const Entry& e : sorted_) {
    if (!taken_[e.position]) left.emplace_back(e.position, e.value_index);
  }
  std::sort(left.begin(), left.end());
  std::vector<uint32_t> out;
  out.reserve(left.size());
  for (const auto& [position, index] : left) out.push_back(index);
  return out;
}

}  // namespace sluice::api::otlp
