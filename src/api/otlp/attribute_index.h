// AttributeIndex: the top-level attributes of one span or event, with the keys a mapping looks
// up (AttributeKey: a fixed list, each resolved to its number when the code is compiled) found
// in one pass as the index is built (attribute_keys::Classify); every lookup after is an array
// read. Each attribute a row field was taken from is marked, so that metadata leaves it out.
// Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "api/otlp/attribute_keys.h"
#include "api/otlp/otlp_request.h"

namespace sluice::api::otlp {

// One key of attribute_keys::kNames, written as its name: AttributeKey("gen_ai.system").
class AttributeKey {
 public:
  template <size_t N>
  consteval AttributeKey(const char (&name)[N])  // NOLINT: a literal is the way to write one
      : id_(IdOf(std::string_view(name, N - 1))) {}

  size_t id() const { return id_; }
  std::string_view name() const { return attribute_keys::kNames[id_]; }

 private:
  static consteval uint8_t IdOf(std::string_view name) {
    for (size_t n = 0; n < attribute_keys::kCount; ++n) {
      if (attribute_keys::kNames[n] == name) return static_cast<uint8_t>(n);
    }
    throw "not in attribute_keys::kNames: add it there";  // fails to compile
  }

  uint8_t id_;
};

class AttributeIndex {
 public:
  // REQUIRES: `r` outlives the index.
  AttributeIndex(const DecodedRequest& r, ValueRange range);
  ~AttributeIndex();  // gives its entry list back to the thread's kept lists
  AttributeIndex(const AttributeIndex&) = delete;
  AttributeIndex& operator=(const AttributeIndex&) = delete;

  // The value index of attribute `key` (the last one when the key repeats), or nullopt.
  std::optional<uint32_t> Find(AttributeKey key) const {
    const uint32_t e = last_[key.id()];
    if (e == kNone) return std::nullopt;
    return entries_[e].value_index;
  }
  // Find, marking the key taken.
  std::optional<uint32_t> Take(AttributeKey key) {
    const uint32_t last = last_[key.id()];
    if (last == kNone) return std::nullopt;
    MarkChain(last);
    return entries_[last].value_index;
  }
  // Marks every attribute with this key taken.
  void MarkTaken(AttributeKey key) { MarkChain(last_[key.id()]); }
  // Marks the attribute whose value is at `value_index` taken.
  void MarkTakenAt(uint32_t value_index);
  // The value indices of attributes whose key starts with `prefix`, in key order (request order
  // among equal keys).
  std::vector<uint32_t> WithPrefix(std::string_view prefix) const;
  // WithPrefix into `out` (emptied first), less a key that is the prefix itself, marking each
  // one taken.
  void TakeWithPrefix(std::string_view prefix, std::vector<uint32_t>* out);
  // Calls f(value index) for each attribute not taken, in request order.
  template <typename F>
  void ForEachLeft(F f) const {
    for (const Entry& e : entries_) {
      if (!e.taken) f(e.value_index);
    }
  }

  const DecodedRequest& request() const { return r_; }
  const Value& value(uint32_t index) const { return r_.values[index]; }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Entry {  // one per attribute, in request order
    std::string_view key;
    uint32_t value_index;
    uint32_t earlier = kNone;  // the entry before this one with the same (listed) key
    bool taken = false;
  };
  static std::vector<std::vector<Entry>>& KeptLists();
  // Marks entry `last` (kNone: nothing) and every earlier one of its key taken.
  void MarkChain(uint32_t last) {
    for (uint32_t e = last; e != kNone; e = entries_[e].earlier) entries_[e].taken = true;
  }
  // The numbers of the entries whose key starts with `prefix` and is longer than `shortest`, in
  // key order, into `out` (emptied first).
  void EntriesWithPrefix(std::string_view prefix, size_t shortest,
                         std::vector<uint32_t>* out) const;

  const DecodedRequest& r_;
  std::vector<Entry> entries_;  // from the thread's kept lists, and back to them after
  std::array<uint32_t, attribute_keys::kCount> last_;  // each listed key's last entry, or kNone
};

}  // namespace sluice::api::otlp
