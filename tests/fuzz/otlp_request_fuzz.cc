// libFuzzer entry point for OpenTelemetry ingest: arbitrary bytes go to the OTLP protobuf
// decoder (and, as text, to the JSON decoder), and every span of a request that decodes is mapped
// to a row write and applied as the store would. Beyond crashes, sanitizer reports and memory
// past the decode budget, it checks that what would be stored is well formed: canonical JSON in
// every field, the span's hex ids, a row that serializes to JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/otlp/otlp_json.h"
#include "api/otlp/otlp_proto.h"
#include "api/otlp/span_mapping.h"
#include "common/json.h"
#include "model/event.h"
#include "model/event_write.h"

namespace {

constexpr sluice::TimestampMicros kNow = 1'767'225'600'000'000LL;  // 2026-01-01T00:00:00Z

void Require(bool ok) {
  if (!ok) std::abort();
}

void CheckWrite(const sluice::model::EventWrite& w) {
  Require(w.id.size() == 16);
  for (const auto& [name, text] : w.fields) {
    auto canonical = sluice::CanonicalizeJson(text);
    Require(canonical.ok() && *canonical == text);
  }
  auto row = sluice::model::ApplyEventWrite(w, nullptr, kNow);
  Require(row.ok());
  Require(row->span_id == w.id && row->root_span_id.size() == 32);
  Require(row->is_root == row->span_parents.empty());
  std::string out;
  sluice::model::AppendEventJson(*row, out);
  auto parsed = sluice::Json::Parse(out);
  Require(parsed.ok() && parsed->is_object());
}

void MapAll(const sluice::Result<sluice::api::otlp::DecodedRequest>& request) {
  if (!request.ok()) {
    const auto code = request.status().code();
    Require(code == sluice::StatusCode::kInvalidArgument ||
            code == sluice::StatusCode::kResourceExhausted);
    return;
  }
  sluice::api::otlp::MappingOptions options;
  for (const auto& span : request->spans) {
    auto w = sluice::api::otlp::MapSpan(*request, span, options);
    if (w.ok()) {
      CheckWrite(*w);
    } else {
      Require(w.status().code() == sluice::StatusCode::kInvalidArgument);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  sluice::api::otlp::DecodeLimits limits;
  limits.max_decoded_bytes = 1 << 20;
  limits.max_spans = 1000;
  MapAll(sluice::api::otlp::DecodeProtobufRequest(body, limits));
  MapAll(sluice::api::otlp::DecodeJsonRequest(body, limits));
  return 0;
}
