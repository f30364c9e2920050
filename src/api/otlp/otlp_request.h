// The OTLP trace export request (opentelemetry-proto, collector/trace/v1/trace_service.proto:
// ExportTraceServiceRequest) decoded into views, the same shape for its protobuf and its JSON
// encoding. Strings point into the request body (protobuf) or into the JSON parser's buffers
// (kept alive by `storage`). Attribute values are stored flat, in pre-order.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sluice::api::otlp {

enum class ValueKind : uint8_t {
  kEmpty,  // an AnyValue with no value set
  kString,
  kBool,
  kInt,
  kDouble,
  kBytes,   // raw bytes (protobuf)
  kBase64,  // bytes as the base64 text the JSON encoding sends
  kArray,
  kKvList,
};

// One AnyValue, or one KeyValue when `key` is set (attributes, kvlist members). An array or
// kvlist is followed directly by its descendants; `subtree` counts the value and all of them,
// so its next sibling is at index + subtree.
struct Value {
  std::string_view key;
  std::string_view text;  // kString, kBytes, kBase64
  int64_t int_value = 0;
  double double_value = 0;
  uint32_t subtree = 1;
  ValueKind kind = ValueKind::kEmpty;
  bool bool_value = false;
};

// The top-level values [begin, end) of DecodedRequest::values (attributes of one span, event
// or resource): step from one to the next by `subtree`.
struct ValueRange {
  uint32_t begin = 0;
  uint32_t end = 0;
};

// A trace or span id as sent. `size` is its length in bytes; `malformed` marks one longer than
// 16 bytes or (JSON) not hexadecimal.
struct SpanIdBytes {
  std::array<uint8_t, 16> bytes{};
  uint8_t size = 0;
  bool malformed = false;
};

// An id from raw bytes (protobuf), written in place (a returned copy would be reloaded right
// after its narrow stores, which stalls), or from hexadecimal text (JSON, either case).
void ReadIdBytes(std::string_view bytes, SpanIdBytes* id);
SpanIdBytes IdFromHex(std::string_view hex);

struct SpanEvent {
  std::string_view name;
  uint64_t time_unix_nano = 0;
  ValueRange attributes;
};

enum class StatusCodeOtlp : int32_t { kUnset = 0, kOk = 1, kError = 2 };

struct Span {
  SpanIdBytes trace_id;
  SpanIdBytes span_id;
  SpanIdBytes parent_span_id;
  std::string_view name;
  uint64_t start_unix_nano = 0;
  uint64_t end_unix_nano = 0;
  int32_t status_code = 0;  // StatusCodeOtlp; other numbers are kept as sent
  std::string_view status_message;
  ValueRange attributes;
  uint32_t events_begin = 0;  // [events_begin, events_end) of DecodedRequest::events
  uint32_t events_end = 0;
  uint32_t resource = 0;  // index into DecodedRequest::resources
  // Where the span is in the request, for messages: resource_spans[resource].
  // scope_spans[scope].spans[index].
  uint32_t scope = 0;
  uint32_t index = 0;
};

struct DecodedRequest {
  std::vector<Value> values;
  std::vector<SpanEvent> events;
  std::vector<Span> spans;
  std::vector<ValueRange> resources;  // each resource's attributes
  // Keeps alive what the views of a JSON request point into; null for protobuf.
  std::shared_ptr<const void> storage;
};

// Bounds a decoder enforces while it builds a DecodedRequest.
struct DecodeLimits {
  // The decoded form (values, events, spans, resources) may take at most this many bytes;
  // beyond, kResourceExhausted. The server passes its body limit.
  size_t max_decoded_bytes = 64ull << 20;
  // Spans in one request (as the insert API's events per request).
  size_t max_spans = 100'000;
  // Attributes of one span, event or resource (members of nested kvlists not counted).
  size_t max_attributes = 1'000;
  // Nesting of arrays and kvlists inside one attribute value.
  int max_value_depth = 32;
};

// Tracks the bytes a decoder has allocated for the decoded form against
// DecodeLimits::max_decoded_bytes. Not thread-safe.
class DecodeBudget {
 public:
  explicit DecodeBudget(size_t max_bytes) : left_(max_bytes) {}
  // kResourceExhausted once the total passes the limit.
  Status Charge(size_t bytes) {
    if (bytes <= left_) {
      left_ -= bytes;
      return Status();
    }
    return Exhausted();
  }

 private:
  static Status Exhausted();
  size_t left_;
};

// "resource_spans[1].scope_spans[0].spans[7]": where a span is in the request.
std::string SpanPath(const Span& span);

}  // namespace sluice::api::otlp
