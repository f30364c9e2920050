#include "api/otlp/otlp_response.h"

#include "common/json_writer.h"

namespace sluice::api::otlp {

namespace {

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void AppendTag(std::string& out, uint32_t field, int wire_type) {
  AppendVarint(out, static_cast<uint64_t>(field) << 3 | static_cast<uint64_t>(wire_type));
}

void AppendBytesField(std::string& out, uint32_t field, std::string_view bytes) {
  AppendTag(out, field, 2);
  AppendVarint(out, bytes.size());
  out.append(bytes);
}

int HttpStatusOf(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
    case StatusCode::kFailedPrecondition: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kResourceExhausted: return 413;
    case StatusCode::kUnavailable:
    case StatusCode::kAborted:
    case StatusCode::kDeadlineExceeded: return 503;
    default: return 500;
  }
}

}  // namespace

std::string_view ContentTypeOf(Encoding encoding) {
  return encoding == Encoding::kProtobuf ? "application/x-protobuf" : "application/json";
}

std::string ExportResponseBody(Encoding encoding, int64_t rejected_spans,
                               std::string_view error_message) {
  const bool partial = rejected_spans > 0 || !error_message.empty();
  std::string out;
  if (encoding == Encoding::kJson) {
    JsonWriter w(&out);
    w.BeginObject();
    if (partial) {
      // proto3 JSON writes int64 as a decimal string.
      w.Key("partialSuccess").BeginObject();
      w.Member("rejectedSpans", std::to_string(rejected_spans));
      w.Member("errorMessage", error_message);
      w.EndObject();
    }
    w.EndObject();
    return out;
  }
  if (!partial) return out;
  std::string partial_success;
  if (rejected_spans != 0) {
    AppendTag(partial_success, 1, 0);
    AppendVarint(partial_success, static_cast<uint64_t>(rejected_spans));
  }
  if (!error_message.empty()) AppendBytesField(partial_success, 2, error_message);
  AppendBytesField(out, 1, partial_success);
  return out;
}

std::string StatusBody(Encoding encoding, const Status& status) {
  const int code = static_cast<int>(status.code());
  std::string out;
  if (encoding == Encoding::kJson) {
    JsonWriter w(&out);
    w.BeginObject().Member("code", code).Member("message", status.message()).EndObject();
    return out;
  }
  AppendTag(out, 1, 0);
  AppendVarint(out, static_cast<uint64_t>(code));
  if (!status.message().empty()) AppendBytesField(out, 2, status.message());
  return out;
}

ApiResponse Answer(int http_status, Encoding encoding, std::string body, int retry_after_seconds) {
  ApiResponse a;
  a.status = http_status;
  a.content_type = std::string(ContentTypeOf(encoding));
  a.body = std::move(body);
  if (http_status == 429 || http_status == 503) {
    a.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  }
  return a;
}

ApiResponse ErrorAnswer(Encoding encoding, const Status& status, int retry_after_seconds) {
  const int http_status = HttpStatusOf(status);
  const Status shown = http_status == 500 ? InternalError("internal error") : status;
  return Answer(http_status, encoding, StatusBody(encoding, shown), retry_after_seconds);
}

}  // namespace sluice::api::otlp
