#include "common/simdjson_compact.h"

#include <array>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "common/json_writer.h"

namespace sluice {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Objects this large look their keys up in a hash set instead of a scan.
constexpr size_t kIndexedMembers = 16;

// The keys of one object seen so far: a scan of a small inline array while few, a hash set
// after (objects are mostly small, and most calls allocate nothing).
class KeySet {
 public:
  // False when `key` was already there.
  bool Insert(std::string_view key) {
    if (count_ <= few_.size()) {
      for (size_t i = 0; i < count_; ++i) {
        if (few_[i] == key) return false;
      }
      if (count_ < few_.size()) {
        few_[count_++] = key;
        return true;
      }
      set_.insert(few_.begin(), few_.end());
      ++count_;
    }
    return set_.insert(key).second;
  }

 private:
  std::array<std::string_view, kIndexedMembers> few_;
  size_t count_ = 0;
  std::unordered_set<std::string_view> set_;
};

Status AppendObject(element el, std::string& out, int depth, bool* duplicate) {
  out.push_back('{');
  std::optional<KeySet> keys;  // only when asked for: the insert parser's objects need none
  if (duplicate != nullptr) keys.emplace();
  bool first = true;
  for (auto field : ObjectIn(el)) {
    if (keys && !keys->Insert(field.key)) *duplicate = true;
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(out, field.key);
    out.push_back(':');
    SLUICE_RETURN_IF_ERROR(AppendCompactJson(field.value, out, depth + 1, duplicate));
  }
  out.push_back('}');
  return Status();
}

}  // namespace

Status AppendCompactJson(element el, std::string& out, int depth, bool* duplicate) {
  if (depth > kMaxJsonDepth) return InvalidArgumentError("invalid JSON: nested deeper than 256");
  switch (el.type()) {
    case element_type::NULL_VALUE: out += "null"; return Status();
    case element_type::BOOL:
      out += el.get_bool().value_unsafe() ? "true" : "false";
      return Status();
    case element_type::INT64: out += std::to_string(el.get_int64().value_unsafe()); return Status();
    case element_type::UINT64:
      out += std::to_string(el.get_uint64().value_unsafe());
      return Status();
    case element_type::DOUBLE:
      AppendJsonDouble(out, el.get_double().value_unsafe());
      return Status();
    case element_type::STRING:
      AppendJsonString(out, el.get_string().value_unsafe());
      return Status();
    case element_type::ARRAY: {
      out.push_back('[');
      bool first = true;
      for (element child : ArrayIn(el)) {
        if (!first) out.push_back(',');
        first = false;
        SLUICE_RETURN_IF_ERROR(AppendCompactJson(child, out, depth + 1, duplicate));
      }
      out.push_back(']');
      return Status();
    }
    case element_type::OBJECT: return AppendObject(el, out, depth, duplicate);
  }
  return Status();
}

}  // namespace sluice
