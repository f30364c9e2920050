// KeptJsonParser: a simdjson DOM parser that a thread keeps between documents, with its own
// padded copy of the text. Its buffers grow to a power of two: simdjson grows them to each
// document's exact size, so with documents of varying sizes (request bodies) every one larger
// than all before reallocated them, and their pages were faulted in anew. Buffers for documents
// over kKeptBytes are given back at the next smaller document, and the copy at once.
//
// Includes simdjson: for .cc files that parse, never for widely included headers.
#pragma once

#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "common/kept_buffer.h"
#include "common/status.h"

namespace sluice {

class KeptJsonParser {
 public:
  // Documents up to this size keep their buffers for the next one.
  static constexpr size_t kKeptBytes = kKeptBufferBytes;

  // Parses `text` (copied first, so it need not be padded). The element and everything read
  // from it live until the next Parse.
  simdjson::simdjson_result<simdjson::dom::element> Parse(std::string_view text) {
    const size_t need = std::max<size_t>(text.size(), 1);
    if (need > parser_.max_capacity()) return simdjson::CAPACITY;
    const bool shrink = need <= kKeptBytes && doc_.capacity() > kKeptBytes;
    if (doc_.capacity() < need || parser_.capacity() < need || shrink) {
      // Pages of the buffers a document does not reach are never touched, so the larger
      // capacity costs address space, not memory.
      const size_t capacity =
          std::min(std::bit_ceil(std::max(need, kLeastBytes)), parser_.max_capacity());
      if (doc_.capacity() < need || shrink) {
        if (auto err = doc_.allocate(capacity)) return err;
      }
      if (parser_.capacity() < need || shrink) {
        if (auto err = parser_.allocate(capacity)) return err;
      }
    }
    const size_t padded = text.size() + simdjson::SIMDJSON_PADDING;
    if (copy_capacity_ < padded) {
      // A power of two and the padding, so that a document of up to kKeptBytes keeps its copy.
      // Not zeroed: only the bytes copied in (and read as padding) are touched.
      copy_capacity_ =
          std::bit_ceil(std::max(text.size(), kLeastBytes)) + simdjson::SIMDJSON_PADDING;
      copy_.reset(new char[copy_capacity_]);
    }
    if (!text.empty()) std::memcpy(copy_.get(), text.data(), text.size());
    std::memset(copy_.get() + text.size(), 0, simdjson::SIMDJSON_PADDING);
    auto root = parser_.parse_into_document(doc_, copy_.get(), text.size(),
                                            /*realloc_if_needed=*/false);
    // The document holds what it needs of the text (its strings are copied out).
    if (copy_capacity_ > kKeptBytes + simdjson::SIMDJSON_PADDING) {
      copy_.reset();
      copy_capacity_ = 0;
    }
    return root;
  }

  // Parse, with a failure as kInvalidArgument "invalid JSON: <simdjson's reason>".
  Result<simdjson::dom::element> ParseOrError(std::string_view text) {
    simdjson::dom::element root;
    if (auto err = Parse(text).get(root)) {
      return InvalidArgumentError(std::string("invalid JSON: ") + simdjson::error_message(err));
    }
    return root;
  }

  // The largest buffer kept for the next document: at most kKeptBytes and the padding once a
  // document no larger than kKeptBytes has been parsed after a larger one.
  size_t largest_kept_buffer() const {
    return std::max({doc_.capacity(), parser_.capacity(), copy_capacity_});
  }

 private:
  static constexpr size_t kLeastBytes = 4096;

  simdjson::dom::parser parser_;
  simdjson::dom::document doc_;
  std::unique_ptr<char[]> copy_;
  size_t copy_capacity_ = 0;
};

}  // namespace sluice
