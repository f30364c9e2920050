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

// The same into `out`, whose lists are emptied first and keep their capacity: a thread that
// decodes one request after another reuses the same memory rather than growing and faulting in
// fresh lists for each. On error `out` holds part of the request: use none of it.
Status DecodeProtobufRequest(std::string_view body, const DecodeLimits& limits,
                             DecodedRequest* out);

}  // namespace sluice::api::otlp
