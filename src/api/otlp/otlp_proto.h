// Decoding of OTLP/HTTP protobuf trace requests (`Content-Type: application/x-protobuf`):
// ExportTraceServiceRequest per opentelemetry-proto (trace/v1/trace.proto,
// common/v1/common.proto, resource/v1/resource.proto), read with ProtoReader. Unknown fields
// are skipped, as protobuf requires; fields OTLP defines are checked for their wire type.
#pragma once

#include <string_view>

#include "api/otlp/otlp_request.h"

namespace sluice::api::otlp {

// Decodes `body`; the result's views point into it (REQUIRES: body outlives the result).
// kInvalidArgument for malformed input, naming where ("resource_spans[0].scope_spans[0].
// spans[3]: malformed protobuf at byte 812: ..."); kResourceExhausted past `limits`. Nothing
// is returned for a request with any such problem.
Result<DecodedRequest> DecodeProtobufRequest(std::string_view body, const DecodeLimits& limits);

}  // namespace sluice::api::otlp
