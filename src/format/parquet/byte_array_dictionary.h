// The dictionary of a BYTE_ARRAY column chunk (Parquet's RLE_DICTIONARY encoding): distinct
// values numbered in first-seen order, kept directly in their PLAIN encoding, which is the
// dictionary page's body. Lookups use an open-addressing hash table of (hash, index) slots, so
// adding a value costs no allocation of its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::format::parquet {

// Not thread-safe.
class ByteArrayDictionary {
 public:
  struct Entry {
    uint32_t index = 0;
    bool added = false;  // the value was not in the dictionary before
  };

  // The index of `value`, adding it as the next index if it is new.
  // REQUIRES: value.size() < 2^32 and fewer than 2^32 - 1 entries.
  Entry Add(std::string_view value);

  size_t size() const { return offsets_.size(); }
  // Entries in index order, PLAIN-encoded (4-byte little-endian length, then the bytes).
  const std::string& plain() const { return plain_; }

  // Hands the PLAIN bytes over (for the dictionary page) and empties the dictionary.
  std::string TakePlain();

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t index_plus_one = 0;  // 0: empty
  };

  std::string_view Value(uint32_t index) const;
  void Grow();

  std::vector<Slot> slots_;      // a power of two in size, at most half full
  std::vector<size_t> offsets_;  // where each entry's bytes start in plain_ (after its length)
  std::string plain_;
};

}  // namespace sluice::format::parquet
