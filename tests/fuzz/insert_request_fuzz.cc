// libFuzzer entry point for the insert API's request parsing and write rules: arbitrary bytes go
// to model::ParseInsertRequest and, when accepted, every write is applied with ApplyEventWrite,
// as an insert and as a write onto the previous event of the request (so `_is_merge` and
// `_merge_paths` merge into real rows). Beyond crashes and sanitizer reports it checks that what
// would be stored is well formed: canonical JSON fields and a row that serializes to JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"
#include "model/event.h"
#include "model/event_write.h"

namespace {

constexpr sluice::TimestampMicros kNow = 1'767'225'600'000'000LL;  // 2026-01-01T00:00:00Z

void Require(bool ok) {
  if (!ok) std::abort();
}

// A stored row must hold canonical JSON (or nothing) in each JSON field and serialize to a
// JSON object.
void CheckRow(const sluice::model::Event& e) {
  for (const sluice::model::JsonField& f : sluice::model::kJsonFields) {
    const std::string& v = e.*f.member;
    if (v.empty()) continue;
    auto canonical = sluice::CanonicalizeJson(v);
    Require(canonical.ok() && *canonical == v);
  }
  Require(e.is_root == e.span_parents.empty());
  Require(!e.span_id.empty() && !e.root_span_id.empty());
  std::string out;
  sluice::model::AppendEventJson(e, out);
  auto parsed = sluice::Json::Parse(out);
  Require(parsed.ok() && parsed->is_object());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto writes = sluice::model::ParseInsertRequest(body);
  if (!writes.ok()) return 0;
  std::optional<sluice::model::Event> previous;
  for (const sluice::model::EventWrite& w : *writes) {
    auto inserted = sluice::model::ApplyEventWrite(w, nullptr, kNow);
    if (inserted.ok()) CheckRow(*inserted);
    if (previous.has_value()) {
      auto onto = sluice::model::ApplyEventWrite(w, &*previous, kNow);
      if (onto.ok()) CheckRow(*onto);
    }
    if (inserted.ok()) previous = std::move(*inserted);
  }
  return 0;
}
