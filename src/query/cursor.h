// Query cursors: an opaque token (base64url) holding the last returned row's sort key and row key,
// so the next page starts strictly after it. Because the position is a key rather than an
// offset, a cursor stays valid while inserts continue (DESIGN.md §3, §4).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "query/value.h"

namespace sluice::query {

struct CursorKey {
  // Fingerprint of the sort order the cursor was made under; a cursor only resumes the same one.
  uint64_t order_fingerprint = 0;
  std::vector<Value> sort_keys;
  int64_t row_key = 0;
};

std::string EncodeCursor(const CursorKey& key);
// kInvalidArgument for a token that EncodeCursor did not make.
Result<CursorKey> DecodeCursor(std::string_view token);

// FNV-1a of text, for order fingerprints.
uint64_t Fingerprint(std::string_view text);

}  // namespace sluice::query
