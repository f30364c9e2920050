// Decoding of OTLP/HTTP JSON trace requests (`Content-Type: application/json`): the protobuf
// JSON mapping of ExportTraceServiceRequest with OTLP's own rules (OTLP specification,
// "JSON Protobuf Encoding"): trace and span ids as hexadecimal strings, enums as integers,
// 64-bit integers as decimal strings or numbers. Field names are lowerCamelCase; the original
// snake_case names are accepted too. Unknown fields are ignored.
#pragma once

#include <string_view>

#include "api/otlp/otlp_request.h"

namespace sluice::api::otlp {

// Decodes `body`. The result owns what its views point into (DecodedRequest::storage).
// kInvalidArgument for invalid JSON or a value of the wrong type, naming its path
// ("resourceSpans[0].scopeSpans[0].spans[2].startTimeUnixNano: must be ..."); kResourceExhausted
// past `limits`.
Result<DecodedRequest> DecodeJsonRequest(std::string_view body, const DecodeLimits& limits);

}  // namespace sluice::api::otlp
