// English-like filler text for generated spans: words drawn with a Zipf-skewed frequency from a
// fixed vocabulary, in sentences and paragraphs, so that compression ratios resemble those of
// real prompts and completions. Sizes are exact in JSON-escaped bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "bench/gen/random.h"

namespace sluice::bench {

// Appends text to `out` whose JSON string escaping (RFC 8259 §7, without the quotes) is exactly
// `escaped_bytes` long. The text is ASCII; its only character needing escaping is '\n'.
void AppendText(Rng& rng, size_t escaped_bytes, std::string& out);

// Length of `s` once escaped as the body of a JSON string (without the quotes).
size_t EscapedSize(std::string_view s);

}  // namespace sluice::bench
