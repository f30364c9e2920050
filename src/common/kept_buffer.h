// Buffers a thread keeps from one request to the next, so that a request does not fault in
// fresh memory of its body's size: each is kept while it holds at most kKeptBufferBytes, and
// given back once a larger request has grown it (README: "Memory between requests").
#pragma once

#include <cstddef>
#include <string>

namespace sluice {

inline constexpr size_t kKeptBufferBytes = size_t{4} << 20;

// Frees `s`'s storage when it has grown past kKeptBufferBytes.
inline void GiveBackIfLarge(std::string& s) {
  if (s.capacity() > kKeptBufferBytes) std::string().swap(s);
}

}  // namespace sluice
