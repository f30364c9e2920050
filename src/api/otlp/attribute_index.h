// AttributeIndex: the top-level attributes of one span or event, looked up by key. Each one a
// row field was taken from is marked, so that metadata leaves it out. Not thread-safe.
#pragma once

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
  // The value indices of attributes whose key starts with `prefix`, in key order.
  std::vector<uint32_t> WithPrefix(std::string_view prefix) const;
  // The value indices of the attributes not taken, in request order.
  std::vector<uint32_t> Left() const;

  const DecodedRequest& request() const { return r_; }
  const Value& value(uint32_t index) const { return r_.values[index]; }

 private:
  struct Entry {
    std::string_view key;
    uint32_t value_index;
    uint32_t position;  // in request order
  };
  // [first, last) of the entries with `key`.
  std::pair<size_t, size_t> Range(std::string_view key) const;

  const DecodedRequest& r_;
  std::vector<Entry> sorted_;  // by key, then position
  std::vector<bool> taken_;    // by position
};

}  // namespace sluice::api::otlp
