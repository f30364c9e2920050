// Buffers a thread keeps from one request to the next, so that a request does not fault in
// fresh memory of its body's size: each is kept while it holds at most kKeptBufferBytes, and
// given back once a larger request has grown it (README: "Memory between requests").
#pragma once

#include <cstddef>
#include <string>

namespace sluice {

inline constexpr size_t kKeptBufferBytes = size_t{4} << 20;

// Frees a string's or vector's storage when it has grown past kKeptBufferBytes.
template <typename Container>
void GiveBackIfLarge(Container& c) {
  if (c.capacity() * sizeof(typename Container::value_type) > kKeptBufferBytes) Container().swap(c);
}

}  // namespace sluice
