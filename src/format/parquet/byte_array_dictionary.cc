#include "format/parquet/byte_array_dictionary.h"

#include <functional>
#include <utility>

namespace sluice::format::parquet {
namespace {

constexpr size_t kInitialSlots = 1024;

}  // namespace

std::string_view ByteArrayDictionary::Value(uint32_t index) const {
  size_t start = offsets_[index];
  const auto* len = reinterpret_cast<const unsigned char*>(plain_.data() + start - 4);
  uint32_t n = static_cast<uint32_t>(len[0]) | static_cast<uint32_t>(len[1]) << 8 |
               static_cast<uint32_t>(len[2]) << 16 | static_cast<uint32_t>(len[3]) << 24;
  return std::string_view(plain_.data() + start, n);
}

ByteArrayDictionary::Entry ByteArrayDictionary::Add(std::string_view value) {
  if (slots_.empty()) slots_.resize(kInitialSlots);
  const uint64_t hash = std::hash<std::string_view>{}(value);
  const size_t mask = slots_.size() - 1;
  size_t at = hash & mask;
  while (slots_[at].index_plus_one != 0) {
    const Slot& s = slots_[at];
    if (s.hash == hash && Value(s.index_plus_one - 1) == value) {
      return Entry{s.index_plus_one - 1, false};
    }
    at = (at + 1) & mask;
  }
  const uint32_t index = static_cast<uint32_t>(offsets_.size());
  const uint32_t n = static_cast<uint32_t>(value.size());
  for (int b = 0; b < 4; ++b) plain_.push_back(static_cast<char>((n >> (8 * b)) & 0xFF));
  offsets_.push_back(plain_.size());
  plain_.append(value);
  slots_[at] = Slot{hash, index + 1};
  if (offsets_.size() * 2 > slots_.size()) Grow();
  return Entry{index, true};
}

void ByteArrayDictionary::Grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  const size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.index_plus_one == 0) continue;
    size_t at = s.hash & mask;
    while (slots_[at].index_plus_one != 0) at = (at + 1) & mask;
    slots_[at] = s;
  }
}

std::string ByteArrayDictionary::TakePlain() {
  std::string out = std::move(plain_);
  plain_.clear();
  offsets_.clear();
  slots_.clear();
  return out;
}

}  // namespace sluice::format::parquet
