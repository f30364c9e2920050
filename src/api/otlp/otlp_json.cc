#include "api/otlp/otlp_json.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <string>

namespace sluice::api::otlp {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Whether a member's key is the field `camel` (or its protobuf name `snake`).
bool Is(std::string_view key, std::string_view camel, std::string_view snake) {
  return key == camel || key == snake;
}

Status TypeError(const std::string& path, std::string_view want) {
  return InvalidArgumentError(path + ": must be " + std::string(want));
}

// The members of an object (none for null); kInvalidArgument for any other type.
Result<simdjson::dom::object> ObjectAt(element e, const std::string& path) {
  simdjson::dom::object o;
  if (e.is_null()) return o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return TypeError(path, "an object");
  return o;
}

Result<simdjson::dom::array> ArrayAt(element e, const std::string& path) {
  simdjson::dom::array a;
  if (e.is_null()) return a;
  if (e.get_array().get(a) != simdjson::SUCCESS) return TypeError(path, "an array");
  return a;
}

Result<std::string_view> StringAt(element e, const std::string& path) {
  std::string_view s;
  if (e.is_null()) return s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return TypeError(path, "a string");
  return s;
}

// A 64-bit integer given as a decimal string or a JSON number (integral).
template <typename T>
Result<T> IntegerAt(element e, const std::string& path) {
  T v = 0;
  std::string_view s;
  if (e.is_null()) return v;
  if (e.get_string().get(s) == simdjson::SUCCESS) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return v;
    return TypeError(path, "an integer (a decimal string or a number)");
  }
  if (e.type() == element_type::INT64 && e.get_int64().value_unsafe() >= 0) {
    return static_cast<T>(e.get_int64().value_unsafe());
  }
  if (e.type() == element_type::INT64 && std::is_signed_v<T>) {
    return static_cast<T>(e.get_int64().value_unsafe());
  }
  if (e.type() == element_type::UINT64 && std::is_unsigned_v<T>) {
    return static_cast<T>(e.get_uint64().value_unsafe());
  }
  if (e.type() == element_type::DOUBLE) {
    const double d = e.get_double().value_unsafe();
    // 2^63 (signed) or 2^64 (unsigned) exclusive, both exact in a double.
    const double limit = std::is_signed_v<T> ? 9223372036854775808.0 : 18446744073709551616.0;
    const double low = std::is_signed_v<T> ? -limit : 0.0;
    if (std::isfinite(d) && d == std::floor(d) && d >= low && d < limit) return static_cast<T>(d);
  }
  return TypeError(path, std::is_signed_v<T> ? "an integer (a decimal string or a number)"
                                             : "a non-negative integer (a decimal string or a "
                                               "number)");
}

// Builds a DecodedRequest from the parsed document, one decoder per request.
class JsonDecoder {
 public:
  explicit JsonDecoder(const DecodeLimits& limits, DecodedRequest& out)
      : limits_(limits), budget_(limits.max_decoded_bytes), out_(out) {}

  Status Request(element root);

 private:
  Status ResourceSpans(element rs, const std::string& path);
  Status ScopeSpans(element ss, const std::string& path, uint32_t resource, uint32_t scope);
  Status SpanObject(element s, const std::string& path, Span& span);
  Status SpanMember(std::string_view key, element v, const std::string& path, Span& span);
  Status SpanStatus(element s, const std::string& path, Span& span);
  Status Events(element list, const std::string& path);
  Result<ValueRange> Attributes(element list, const std::string& path);
  Status KeyValue(element kv, const std::string& path, int depth);
  Status AnyValue(element v, const std::string& path, uint32_t index, int depth);
  Status AnyValueMember(std::string_view key, element v, const std::string& path, uint32_t index,
                        int depth);
  Status Children(element list, const std::string& path, uint32_t index, int depth);
  Result<uint32_t> NewValue();

  const DecodeLimits& limits_;
  DecodeBudget budget_;
  DecodedRequest& out_;
};

Status JsonDecoder::Request(element root) {
  SLUICE_ASSIGN_OR_RETURN(auto members, ObjectAt(root, "the request body"));
  if (root.is_null()) return InvalidArgumentError("the request body must be a JSON object");
  for (auto m : members) {
    if (!Is(m.key, "resourceSpans", "resource_spans")) continue;
    SLUICE_ASSIGN_OR_RETURN(auto list, ArrayAt(m.value, "resourceSpans"));
    for (element rs : list) {
      const std::string path = "resourceSpans[" + std::to_string(out_.resources.size()) + "]";
      SLUICE_RETURN_IF_ERROR(ResourceSpans(rs, path));
    }
  }
  return Status();
}

Status JsonDecoder::ResourceSpans(element rs, const std::string& path) {
  const auto resource = static_cast<uint32_t>(out_.resources.size());
  SLUICE_RETURN_IF_ERROR(budget_.Charge(sizeof(ValueRange)));
  out_.resources.push_back({});
  SLUICE_ASSIGN_OR_RETURN(auto members, ObjectAt(rs, path));
  for (auto m : members) {
    if (m.key == "resource") {
      SLUICE_ASSIGN_OR_RETURN(auto r, ObjectAt(m.value, path + ".resource"));
      for (auto rm : r) {
        if (rm.key != "attributes") continue;
        SLUICE_ASSIGN_OR_RETURN(out_.resources[resource],
                                Attributes(rm.value, path + ".resource.attributes"));
      }
    } else if (Is(m.key, "scopeSpans", "scope_spans")) {
      SLUICE_ASSIGN_OR_RETURN(auto list, ArrayAt(m.value, path + ".scopeSpans"));
      uint32_t scope = 0;
      for (element ss : list) {
        const std::string where = path + ".scopeSpans[" + std::to_string(scope) + "]";
        SLUICE_RETURN_IF_ERROR(ScopeSpans(ss, where, resource, scope++));
      }
    }
  }
  return Status();
}

Status JsonDecoder::ScopeSpans(element ss, const std::string& path, uint32_t resource,
                               uint32_t scope) {
  SLUICE_ASSIGN_OR_RETURN(auto members, ObjectAt(ss, path));
  for (auto m : members) {
    if (m.key != "spans") continue;
    SLUICE_ASSIGN_OR_RETURN(auto list, ArrayAt(m.value, path + ".spans"));
    uint32_t index = 0;
    for (element s : list) {
      if (out_.spans.size() >= limits_.max_spans) {
        return InvalidArgumentError("more than " + std::to_string(limits_.max_spans) +
                                    " spans in one request: send smaller batches");
      }
      SLUICE_RETURN_IF_ERROR(budget_.Charge(sizeof(Span)));
      Span& span = out_.spans.emplace_back();
      span.resource = resource;
      span.scope = scope;
      span.index = index;
      SLUICE_RETURN_IF_ERROR(SpanObject(s, path + ".spans[" + std::to_string(index++) + "]", span));
    }
  }
  return Status();
}

Status JsonDecoder::SpanObject(element s, const std::string& path, Span& span) {
  SLUICE_ASSIGN_OR_RETURN(auto members, ObjectAt(s, path));
  element events;
  bool has_events = false;
  for (auto m : members) {
    if (m.key == "events") {
      events = m.value;
      has_events = true;
      continue;
    }
    SLUICE_RETURN_IF_ERROR(SpanMember(m.key, m.value, path, span));
  }
  span.events_begin = span.events_end = static_cast<uint32_t>(out_.events.size());
  if (has_events) SLUICE_RETURN_IF_ERROR(Events(events, path + ".events"));
  span.events_end = static_cast<uint32_t>(out_.events.size());
  return Status();
}

Status JsonDecoder::SpanMember(std::string_view key, element v, const std::string& path,
                               Span& span) {
  const std::string at = path + "." + std::string(key);
  if (Is(key, "traceId", "trace_id") || Is(key, "spanId", "span_id") ||
      Is(key, "parentSpanId", "parent_span_id")) {
    SLUICE_ASSIGN_OR_RETURN(std::string_view hex, StringAt(v, at));
    SpanIdBytes& id = key[0] == 't'   ? span.trace_id
                      : key[0] == 's' ? span.span_id
                                      : span.parent_span_id;
    id = IdFromHex(hex);
  } else if (key == "name") {
    SLUICE_ASSIGN_OR_RETURN(span.name, StringAt(v, at));
  } else if (Is(key, "startTimeUnixNano", "start_time_unix_nano")) {
    SLUICE_ASSIGN_OR_RETURN(span.start_unix_nano, IntegerAt<uint64_t>(v, at));
  } else if (Is(key, "endTimeUnixNano", "end_time_unix_nano")) {
    SLUICE_ASSIGN_OR_RETURN(span.end_unix_nano, IntegerAt<uint64_t>(v, at));
  } else if (key == "attributes") {
    SLUICE_ASSIGN_OR_RETURN(span.attributes, Attributes(v, at));
  } else if (key == "status") {
    return SpanStatus(v, at, span);
  }
  return Status();  // kind, traceState, links, flags, counts: not stored
}

Status JsonDecoder::SpanStatus(element s, const std::string& path, Span& span) {
  SLUICE_ASSIGN_OR_RETURN(auto members, ObjectAt(s, path));
  for (auto m : members) {
    if (m.key == "message") {
      SLUICE_ASSIGN_OR_RETURN(span.status_message, StringAt(m.value, path + ".message"));
    } else if (m.key == "code") {
      // An integer, or the enum value's name (the protobuf JSON mapping accepts both).
      std::string_view name;
      if (m.value.get_string().get(name) == simdjson::SUCCESS && !name.empty() &&
          (name[0] < '0' || name[0] > '9')) {
        span.status_code = name == "STATUS_CODE_ERROR" ? 2 : name == "STATUS_CODE_OK" ? 1 : 0;
        continue;
      }
      SLUICE_ASSIGN_OR_RETURN(span.status_code, IntegerAt<int32_t>(m.value, path + ".code"));
    }
  }
  return Status();
}

Status JsonDecoder::Events(element list, const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(auto events, ArrayAt(list, path));
  size_t i = 0;
  for (element e : events) {
    const std::string at = path + "[" + std::to_string(i++) + "]";
    SLUICE_ASSIGN_OR_RETURN(auto members, ObjectAt(e, at));
    SpanEvent event;
    for (auto m : members) {
      if (Is(m.key, "timeUnixNano", "time_unix_nano")) {
        SLUICE_ASSIGN_OR_RETURN(event.time_unix_nano,
                                IntegerAt<uint64_t>(m.value, at + ".timeUnixNano"));
      } else if (m.key == "name") {
        SLUICE_ASSIGN_OR_RETURN(event.name, StringAt(m.value, at + ".name"));
      } else if (m.key == "attributes") {
        SLUICE_ASSIGN_OR_RETURN(event.attributes, Attributes(m.value, at + ".attributes"));
      }
    }
    SLUICE_RETURN_IF_ERROR(budget_.Charge(sizeof(SpanEvent)));
    out_.events.push_back(event);
  }
  return Status();
}

Result<ValueRange> JsonDecoder::Attributes(element list, const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(auto items, ArrayAt(list, path));
  if (items.size() > limits_.max_attributes) {
    return InvalidArgumentError(path + ": more than " + std::to_string(limits_.max_attributes) +
                                " attributes");
  }
  ValueRange range{static_cast<uint32_t>(out_.values.size()), 0};
  size_t i = 0;
  for (element kv : items) {
    SLUICE_RETURN_IF_ERROR(KeyValue(kv, path + "[" + std::to_string(i++) + "]", 0));
  }
  range.end = static_cast<uint32_t>(out_.values.size());
  return range;
}

Result<uint32_t> JsonDecoder::NewValue() {
  SLUICE_RETURN_IF_ERROR(budget_.Charge(sizeof(Value)));
  out_.values.emplace_back();
  return static_cast<uint32_t>(out_.values.size() - 1);
}

Status JsonDecoder::KeyValue(element kv, const std::string& path, int depth) {
  SLUICE_ASSIGN_OR_RETURN(auto members, ObjectAt(kv, path));
  if (kv.is_null()) return TypeError(path, "an object with a key and a value");
  SLUICE_ASSIGN_OR_RETURN(const uint32_t index, NewValue());
  for (auto m : members) {
    if (m.key == "key") {
      SLUICE_ASSIGN_OR_RETURN(out_.values[index].key, StringAt(m.value, path + ".key"));
    } else if (m.key == "value") {
      SLUICE_RETURN_IF_ERROR(AnyValue(m.value, path + ".value", index, depth));
    }
  }
  return Status();
}

Status JsonDecoder::AnyValue(element v, const std::string& path, uint32_t index, int depth) {
  if (depth > limits_.max_value_depth) {
    return InvalidArgumentError(path + ": nested deeper than " +
                                std::to_string(limits_.max_value_depth) + " levels");
  }
  SLUICE_ASSIGN_OR_RETURN(auto members, ObjectAt(v, path));
  for (auto m : members) {
    SLUICE_RETURN_IF_ERROR(AnyValueMember(m.key, m.value, path, index, depth));
  }
  out_.values[index].subtree = static_cast<uint32_t>(out_.values.size() - index);
  return Status();
}

Status JsonDecoder::AnyValueMember(std::string_view key, element v, const std::string& path,
                                   uint32_t index, int depth) {
  const std::string at = path + "." + std::string(key);
  if (v.is_null()) return Status();
  Value& out = out_.values[index];
  if (Is(key, "stringValue", "string_value")) {
    out.kind = ValueKind::kString;
    SLUICE_ASSIGN_OR_RETURN(out.text, StringAt(v, at));
  } else if (Is(key, "boolValue", "bool_value")) {
    if (!v.is_bool()) return TypeError(at, "true or false");
    out.kind = ValueKind::kBool;
    out.bool_value = v.get_bool().value_unsafe();
  } else if (Is(key, "intValue", "int_value")) {
    out.kind = ValueKind::kInt;
    SLUICE_ASSIGN_OR_RETURN(out.int_value, IntegerAt<int64_t>(v, at));
  } else if (Is(key, "doubleValue", "double_value")) {
    std::string_view s;
    out.kind = ValueKind::kDouble;
    if (v.is_number()) {
      out.double_value = v.get_double().value_unsafe();
    } else if (v.get_string().get(s) == simdjson::SUCCESS &&
               (s == "NaN" || s == "Infinity" || s == "-Infinity")) {
      out.double_value = s == "NaN" ? NAN : s == "Infinity" ? INFINITY : -INFINITY;
    } else {
      return TypeError(at, "a number (or \"NaN\", \"Infinity\", \"-Infinity\")");
    }
  } else if (Is(key, "bytesValue", "bytes_value")) {
    out.kind = ValueKind::kBase64;
    SLUICE_ASSIGN_OR_RETURN(out.text, StringAt(v, at));
  } else if (Is(key, "arrayValue", "array_value") || Is(key, "kvlistValue", "kvlist_value")) {
    out.kind = key[0] == 'a' ? ValueKind::kArray : ValueKind::kKvList;
    // A value set twice: the last one counts, so what the first left behind goes.
    out_.values.resize(index + 1);
    SLUICE_ASSIGN_OR_RETURN(auto members, ObjectAt(v, at));
    for (auto m : members) {
      if (m.key == "values")
        SLUICE_RETURN_IF_ERROR(Children(m.value, at + ".values", index, depth));
    }
  }
  return Status();
}

Status JsonDecoder::Children(element list, const std::string& path, uint32_t index, int depth) {
  SLUICE_ASSIGN_OR_RETURN(auto items, ArrayAt(list, path));
  const bool kvlist = out_.values[index].kind == ValueKind::kKvList;
  size_t i = 0;
  for (element item : items) {
    const std::string at = path + "[" + std::to_string(i++) + "]";
    if (kvlist) {
      SLUICE_RETURN_IF_ERROR(KeyValue(item, at, depth + 1));
      continue;
    }
    SLUICE_ASSIGN_OR_RETURN(const uint32_t child, NewValue());
    SLUICE_RETURN_IF_ERROR(AnyValue(item, at, child, depth + 1));
  }
  return Status();
}

}  // namespace

Result<DecodedRequest> DecodeJsonRequest(std::string_view body, const DecodeLimits& limits) {
  auto parser = std::make_shared<simdjson::dom::parser>();
  element root;
  simdjson::padded_string padded(body);
  if (auto err = parser->parse(padded).get(root)) {
    return InvalidArgumentError(std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  DecodedRequest out;
  out.storage = parser;
  JsonDecoder decoder(limits, out);
  SLUICE_RETURN_IF_ERROR(decoder.Request(root));
  return out;
}

}  // namespace sluice::api::otlp
