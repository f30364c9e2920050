// The answers of OTLP/HTTP (OTLP specification, "OTLP/HTTP Response"), in the encoding of the
// request: ExportTraceServiceResponse on success, with partial_success {rejected_spans,
// error_message} when some spans were not stored, and google.rpc.Status {code, message} in the
// body of every 4xx and 5xx answer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api/api_types.h"
#include "common/status.h"

namespace sluice::api::otlp {

enum class Encoding { kProtobuf, kJson };

// "application/x-protobuf" or "application/json".
std::string_view ContentTypeOf(Encoding encoding);

// ExportTraceServiceResponse: empty (protobuf) or `{}` (JSON) when nothing was rejected.
std::string ExportResponseBody(Encoding encoding, int64_t rejected_spans,
                               std::string_view error_message);

// google.rpc.Status with the status's canonical code (the gRPC code) and message.
std::string StatusBody(Encoding encoding, const Status& status);

// An answer with `body` in `encoding`; 429 and 503 carry Retry-After.
ApiResponse Answer(int http_status, Encoding encoding, std::string body, int retry_after_seconds);

// The answer to a failed export, with the HTTP status OTLP/HTTP clients act on: 400 for a
// request that will never succeed as sent, 401, 403, 404, 413 past the body limit, 503 (with
// Retry-After, so clients retry) for a store that is busy or unreachable, and 500 without the
// details (which only the server log gets) for the rest.
ApiResponse ErrorAnswer(Encoding encoding, const Status& status, int retry_after_seconds);

}  // namespace sluice::api::otlp
