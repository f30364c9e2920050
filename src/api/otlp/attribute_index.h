// AttributeIndex: the top-level attributes of one span or event, looked up by key in a small
// open-addressing hash table (a mapping asks for forty or so keys, most absent: one hash and
// usually one probe each). Each one a row field was taken from is marked, so that metadata
// leaves it out. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "api/otlp/otlp_request.h"

namespace sluice::api::otlp {

class AttributeIndex {
 public:
  // REQUIRES: `r` outlives the index.
  AttributeIndex(const DecodedRequest& r, ValueRange range);

  // The value index of attribute `key` (the last one when the key repeats), or nullopt.
  std::optional<uint32_t> Find(std::string_view key) const;
  // Find, marking the key taken.
  std::optional<uint32_t> Take(std::string_view key);
  // Marks every attribute with this key taken.
  void MarkTaken(std::string_view key);
  // The value indices of attributes whose key starts with `prefix`, in key order (request order
  // among equal keys).
  std::vector<uint32_t> WithPrefix(std::string_view prefix) const;
  // WithPrefix, less a key that is the prefix itself, marking each one taken.
  std::vector<uint32_t> TakeWithPrefix(std::string_view prefix);
  // The value indices of the attributes not taken, in request order.
  std::vector<uint32_t> Left() const;

  const DecodedRequest& request() const { return r_; }
  const Value& value(uint32_t index) const { return r_.values[index]; }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Entry {  // one per attribute, in request order
    std::string_view key;
    uint64_t hash;
    uint32_t value_index;
    uint32_t earlier = kNone;  // the entry before this one with the same key
    bool taken = false;
  };
  // The last entry with `key`, or kNone.
  uint32_t Last(std::string_view key) const;
  // Marks entry `last` (kNone: nothing) and every earlier one of its key taken.
  void MarkChain(uint32_t last);
  // The entries whose key starts with `prefix` and is longer than `shortest`, in key order.
  std::vector<const Entry*> EntriesWithPrefix(std::string_view prefix, size_t shortest) const;

  // A bit per (length, first and last character) of the keys present: most keys a mapping asks
  // for are absent, and this turns nearly all of them away before their hash is computed.
  static size_t FilterBit(std::string_view key);

  const DecodedRequest& r_;
  uint64_t filter_[4] = {};
  std::vector<Entry> entries_;
  std::vector<uint32_t> slots_;  // entry index + 1 of each key's last entry; 0 = empty
  uint64_t mask_ = 0;
};

}  // namespace sluice::api::otlp
