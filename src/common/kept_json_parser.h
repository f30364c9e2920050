// KeptJsonParser: a simdjson DOM parser that a thread keeps between documents, with its own
// padded copy of the text. Its buffers grow to a power of two: simdjson grows them to each
// document's exact size, so with documents of varying sizes (request bodies) every one larger
// than all before reallocated them, and their pages were faulted in anew.
//
// Includes simdjson: for .cc files that parse, never for widely included headers.
#pragma once

#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>
#include <string_view>

namespace sluice {

class KeptJsonParser {
 public:
  // Parses `text` (copied first, so it need not be padded). The element and everything read
  // from it live until the next Parse.
  simdjson::simdjson_result<simdjson::dom::element> Parse(std::string_view text) {
    const size_t need = std::max<size_t>(text.size(), 1);
    if (doc_.capacity() < need || parser_.capacity() < need) {
      // Pages of the buffers a document does not reach are never touched, so the larger
      // capacity costs address space, not memory.
      const size_t capacity = std::bit_ceil(std::max<size_t>(need, kLeastCapacity));
      if (doc_.capacity() < need) {
        if (auto err = doc_.allocate(capacity)) return err;
      }
      if (parser_.capacity() < need) {
        if (auto err = parser_.allocate(capacity)) return err;
      }
    }
    if (copy_.size() < text.size() + simdjson::SIMDJSON_PADDING) {
      copy_.resize(std::bit_ceil(text.size() + simdjson::SIMDJSON_PADDING));
    }
    std::memcpy(copy_.data(), text.data(), text.size());
    return parser_.parse_into_document(doc_, copy_.data(), text.size(),
                                       /*realloc_if_needed=*/false);
  }

 private:
  static constexpr size_t kLeastCapacity = 4096;

  simdjson::dom::parser parser_;
  simdjson::dom::document doc_;
  std::string copy_;
};

}  // namespace sluice
