// libFuzzer entry point for IsCanonicalAsWritten: any text it accepts must be its own canonical
// form, since the OTLP mapping then stores it as it came. CanonicalizeJson (the Json class) and
// simdjson with AppendCompactJson (the insert API's writer) must both give it back byte for byte.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/json_writer.h"
#include "common/simdjson_compact.h"

namespace {

void Require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!sluice::IsCanonicalAsWritten(text)) return 0;
  auto canonical = sluice::CanonicalizeJson(text);
  Require(canonical.ok() && *canonical == text);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  Require(parser.parse(text.data(), text.size()).get(root) == simdjson::SUCCESS);
  std::string compact;
  bool duplicate = false;
  Require(sluice::AppendCompactJson(root, compact, 1, &duplicate).ok());
  Require(!duplicate && compact == text);
  return 0;
}
