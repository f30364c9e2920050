#include "api/otlp/otlp_request.h"

#include <algorithm>
#include <cstring>

namespace sluice::api::otlp {

Status DecodeBudget::Exhausted() {
  return ResourceExhaustedError(
      "the request decodes to more than the body limit allows: send fewer spans per request");
}

void ReadIdBytes(std::string_view bytes, SpanIdBytes* id) {
  // Trace and span ids take 16 and 8 bytes: copies of a fixed size, with no call.
  id->bytes = {};
  if (bytes.size() == 16) {
    std::memcpy(id->bytes.data(), bytes.data(), 16);
  } else if (bytes.size() == 8) {
    std::memcpy(id->bytes.data(), bytes.data(), 8);
  } else {
    std::memcpy(id->bytes.data(), bytes.data(), std::min(bytes.size(), id->bytes.size()));
  }
  id->size = static_cast<uint8_t>(std::min<size_t>(bytes.size(), 255));
  id->malformed = bytes.size() > id->bytes.size();
}

SpanIdBytes IdFromHex(std::string_view hex) {
  SpanIdBytes id;
  id.size = static_cast<uint8_t>(std::min<size_t>(hex.size() / 2, 255));
  if (hex.size() % 2 != 0 || hex.size() > 2 * id.bytes.size()) {
    id.malformed = true;
    return id;
  }
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      id.malformed = true;
      return id;
    }
    id.bytes[i / 2] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return id;
}

std::string SpanPath(const Span& span) {
  return "resource_spans[" + std::to_string(span.resource) + "].scope_spans[" +
         std::to_string(span.scope) + "].spans[" + std::to_string(span.index) + "]";
}

}  // namespace sluice::api::otlp
