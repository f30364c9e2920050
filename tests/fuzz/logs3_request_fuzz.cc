// libFuzzer entry point for `/logs3` bodies (model/logs3_request.h): arbitrary bytes go to
// ParseLogs3Request and every accepted row is applied with ApplyEventWrite. Beyond crashes and
// sanitizer reports it checks that a refusal is kInvalidArgument naming a row or field, that an
// accepted row names a valid object (a UUID, project logs only with log_id "g"), and that what
// would be stored is well formed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/uuid.h"
#include "model/event.h"
#include "model/logs3_request.h"

namespace {

constexpr sluice::TimestampMicros kNow = 1'767'225'600'000'000LL;  // 2026-01-01T00:00:00Z

void Require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto request = sluice::model::ParseLogs3Request(body);
  if (!request.ok()) {
    Require(request.status().code() == sluice::StatusCode::kInvalidArgument);
    Require(!request.status().message().empty());
    return 0;
  }
  Require(!request->overflow_key || (request->rows.empty() && !request->overflow_key->empty()));
  for (const sluice::model::Logs3Row& row : request->rows) {
    Require(sluice::IsUuid(row.object.id));
    Require(!row.write.id.empty());
    auto e = sluice::model::ApplyEventWrite(row.write, nullptr, kNow);
    if (!e.ok()) continue;
    for (const sluice::model::JsonField& f : sluice::model::kJsonFields) {
      const std::string& v = (*e).*f.member;
      if (v.empty()) continue;
      auto canonical = sluice::CanonicalizeJson(v);
      Require(canonical.ok() && *canonical == v);
    }
    std::string out;
    sluice::model::AppendEventJson(*e, out);
    Require(sluice::Json::Parse(out).ok());
  }
  return 0;
}
