#include "api/otlp/otlp_proto.h"

#include <cstring>
#include <string>

#include "api/otlp/proto_reader.h"

namespace sluice::api::otlp {

namespace {

// `s`, with the context `where()` builds only when it is an error (decoding a valid request
// builds no messages).
template <typename Where>
Status InContext(Status s, Where where) {
  if (s.ok()) return s;  // moved, not copied (a `?:` with `s` would copy it)
  return s.WithContext(where());
}

// Builds a DecodedRequest from the protobuf messages, one decoder per request.
class ProtoDecoder {
 public:
  ProtoDecoder(const DecodeLimits& limits, DecodedRequest& out)
      : limits_(limits), budget_(limits.max_decoded_bytes), out_(out) {}

  Status Decode(std::string_view body);

 private:
  Status ResourceSpans(const ProtoField& f);
  Status Resource(const ProtoField& f, uint32_t resource);
  Status ScopeSpans(const ProtoField& f, uint32_t resource, uint32_t scope);
  Status SpanMessage(const ProtoField& f, Span& span);
  Status SpanScalar(const ProtoField& f, Span& span, size_t* attributes);
  Status SpanStatus(const ProtoField& f, Span& span);
  Status Event(const ProtoField& f);
  // Appends one KeyValue as a value with its key (and its descendants after it).
  Status KeyValue(const ProtoField& f, int depth);
  // KeyValue for the usual encoding only: the key, then a value of one string, bool, int or
  // double field, with tags of one byte and lengths and varints of one or two. False, with
  // nothing appended, for anything else (which KeyValue then reads the general way, errors
  // included). Sets *status (and returns true) when the value cannot be added.
  bool ShortKeyValue(std::string_view bytes, Status* status);
  // Decodes an AnyValue message into out_.values[index] (descendants appended after it).
  Status AnyValue(const ProtoField& f, uint32_t index, int depth);
  Status AnyValueField(const ProtoField& f, uint32_t index, int depth);
  Status Attribute(const ProtoField& f, size_t* count, std::string_view owner);
  Status NewValue(uint32_t* index);

  const DecodeLimits& limits_;
  DecodeBudget budget_;
  DecodedRequest& out_;
};

Status ProtoDecoder::Decode(std::string_view body) {
  out_.values.clear();
  out_.events.clear();
  out_.spans.clear();
  out_.resources.clear();
  out_.storage.reset();
  ProtoReader r(body);
  ProtoField f;
  while (!r.done()) {
    SLUICE_RETURN_IF_ERROR(r.Next(&f));
    if (f.number != 1) continue;
    SLUICE_RETURN_IF_ERROR(ExpectWireType(f, WireType::kLen, "resource_spans"));
    SLUICE_RETURN_IF_ERROR(ResourceSpans(f));
  }
  return Status();
}

Status ProtoDecoder::ResourceSpans(const ProtoField& rf) {
  const auto resource = static_cast<uint32_t>(out_.resources.size());
  SLUICE_RETURN_IF_ERROR(budget_.Charge(sizeof(ValueRange)));
  out_.resources.push_back({});
  const std::string where = "resource_spans[" + std::to_string(resource) + "]";
  ProtoReader r(rf.bytes, rf.payload_offset);
  ProtoField f;
  uint32_t scope = 0;
  while (!r.done()) {
    SLUICE_RETURN_IF_ERROR(InContext(r.Next(&f), [&] { return where; }));
    if (f.number == 1) {
      SLUICE_RETURN_IF_ERROR(ExpectWireType(f, WireType::kLen, where + ".resource"));
      SLUICE_RETURN_IF_ERROR(InContext(Resource(f, resource), [&] { return where + ".resource"; }));
    } else if (f.number == 2) {
      SLUICE_RETURN_IF_ERROR(
          InContext(ExpectWireType(f, WireType::kLen, "scope_spans"), [&] { return where; }));
      SLUICE_RETURN_IF_ERROR(ScopeSpans(f, resource, scope++));
    }
  }
  return Status();
}

Status ProtoDecoder::Resource(const ProtoField& rf, uint32_t resource) {
  ValueRange range{static_cast<uint32_t>(out_.values.size()), 0};
  ProtoReader r(rf.bytes, rf.payload_offset);
  ProtoField f;
  size_t count = 0;
  while (!r.done()) {
    SLUICE_RETURN_IF_ERROR(r.Next(&f));
    if (f.number == 1) SLUICE_RETURN_IF_ERROR(Attribute(f, &count, "a resource"));
  }
  range.end = static_cast<uint32_t>(out_.values.size());
  out_.resources[resource] = range;  // a repeated resource field: the last one counts
  return Status();
}

Status ProtoDecoder::ScopeSpans(const ProtoField& sf, uint32_t resource, uint32_t scope) {
  ProtoReader r(sf.bytes, sf.payload_offset);
  ProtoField f;
  uint32_t index = 0;
  while (!r.done()) {
    SLUICE_RETURN_IF_ERROR(InContext(r.Next(&f), [&] {
      return "resource_spans[" + std::to_string(resource) + "].scope_spans[" +
             std::to_string(scope) + "]";
    }));
    if (f.number != 2) continue;  // the scope itself and schema_url are not stored
    if (out_.spans.size() >= limits_.max_spans) {
      return InvalidArgumentError("more than " + std::to_string(limits_.max_spans) +
                                  " spans in one request: send smaller batches");
    }
    SLUICE_RETURN_IF_ERROR(budget_.Charge(sizeof(Span)));
    Span& span = out_.spans.emplace_back();
    span.resource = resource;
    span.scope = scope;
    span.index = index++;
    const auto path = [&span] { return SpanPath(span); };
    SLUICE_RETURN_IF_ERROR(InContext(ExpectWireType(f, WireType::kLen, "spans"), path));
    SLUICE_RETURN_IF_ERROR(InContext(SpanMessage(f, span), path));
  }
  return Status();
}

Status ProtoDecoder::SpanMessage(const ProtoField& sf, Span& span) {
  span.attributes.begin = static_cast<uint32_t>(out_.values.size());
  ProtoReader r(sf.bytes, sf.payload_offset);
  ProtoField f;
  size_t attributes = 0;
  bool events = false;
  // Attributes first, so they lie together; events (with attributes of their own) after.
  while (!r.done()) {
    SLUICE_RETURN_IF_ERROR(r.Next(&f));
    events = events || f.number == 11;
    SLUICE_RETURN_IF_ERROR(SpanScalar(f, span, &attributes));
  }
  span.attributes.end = static_cast<uint32_t>(out_.values.size());
  span.events_begin = static_cast<uint32_t>(out_.events.size());
  for (ProtoReader again(sf.bytes, sf.payload_offset); events && !again.done();) {
    SLUICE_RETURN_IF_ERROR(again.Next(&f));
    if (f.number != 11) continue;
    SLUICE_RETURN_IF_ERROR(ExpectWireType(f, WireType::kLen, "events"));
    const size_t event = out_.events.size() - span.events_begin;
    SLUICE_RETURN_IF_ERROR(
        InContext(Event(f), [event] { return "events[" + std::to_string(event) + "]"; }));
  }
  span.events_end = static_cast<uint32_t>(out_.events.size());
  return Status();
}

Status ProtoDecoder::SpanScalar(const ProtoField& f, Span& span, size_t* attributes) {
  switch (f.number) {
    case 1:
      SLUICE_RETURN_IF_ERROR(ExpectWireType(f, WireType::kLen, "trace_id"));
      ReadIdBytes(f.bytes, &span.trace_id);
      return Status();
    case 2:
      SLUICE_RETURN_IF_ERROR(ExpectWireType(f, WireType::kLen, "span_id"));
      ReadIdBytes(f.bytes, &span.span_id);
      return Status();
    case 4:
      SLUICE_RETURN_IF_ERROR(ExpectWireType(f, WireType::kLen, "parent_span_id"));
      ReadIdBytes(f.bytes, &span.parent_span_id);
      return Status();
    case 5: {
      SLUICE_ASSIGN_OR_RETURN(span.name, StringPayload(f, "name"));
      return Status();
    }
    case 7:
    case 8:
      SLUICE_RETURN_IF_ERROR(ExpectWireType(f, WireType::kFixed64, "a span's time"));
      (f.number == 7 ? span.start_unix_nano : span.end_unix_nano) = f.bits;
      return Status();
    case 9: return Attribute(f, attributes, "a span");
    case 15:
      SLUICE_RETURN_IF_ERROR(ExpectWireType(f, WireType::kLen, "status"));
      return InContext(SpanStatus(f, span), [] { return "status"; });
    default: return Status();  // trace_state, kind, links, flags, counts: not stored
  }
}

Status ProtoDecoder::SpanStatus(const ProtoField& sf, Span& span) {
  ProtoReader r(sf.bytes, sf.payload_offset);
  ProtoField f;
  while (!r.done()) {
    SLUICE_RETURN_IF_ERROR(r.Next(&f));
    if (f.number == 2) {
      SLUICE_ASSIGN_OR_RETURN(span.status_message, StringPayload(f, "message"));
    } else if (f.number == 3) {
      SLUICE_RETURN_IF_ERROR(ExpectWireType(f, WireType::kVarint, "code"));
      span.status_code = static_cast<int32_t>(f.bits);
    }
  }
  return Status();
}

Status ProtoDecoder::Event(const ProtoField& ef) {
  SLUICE_RETURN_IF_ERROR(budget_.Charge(sizeof(SpanEvent)));
  const size_t index = out_.events.size();
  out_.events.emplace_back();
  const auto begin = static_cast<uint32_t>(out_.values.size());
  ProtoReader r(ef.bytes, ef.payload_offset);
  ProtoField f;
  size_t count = 0;
  while (!r.done()) {
    SLUICE_RETURN_IF_ERROR(r.Next(&f));
    if (f.number == 1) {
      SLUICE_RETURN_IF_ERROR(ExpectWireType(f, WireType::kFixed64, "time_unix_nano"));
      out_.events[index].time_unix_nano = f.bits;
    } else if (f.number == 2) {
      SLUICE_ASSIGN_OR_RETURN(out_.events[index].name, StringPayload(f, "name"));
    } else if (f.number == 3) {
      SLUICE_RETURN_IF_ERROR(Attribute(f, &count, "an event"));
    }
  }
  out_.events[index].attributes = {begin, static_cast<uint32_t>(out_.values.size())};
  return Status();
}

Status ProtoDecoder::Attribute(const ProtoField& f, size_t* count, std::string_view owner) {
  if (++*count > limits_.max_attributes) {
    return InvalidArgumentError("more than " + std::to_string(limits_.max_attributes) +
                                " attributes on " + std::string(owner));
  }
  SLUICE_RETURN_IF_ERROR(ExpectWireType(f, WireType::kLen, "attributes"));
  const size_t index = *count - 1;
  return InContext(KeyValue(f, 0), [index] { return "attributes[" + std::to_string(index) + "]"; });
}

Status ProtoDecoder::NewValue(uint32_t* index) {
  SLUICE_RETURN_IF_ERROR(budget_.Charge(sizeof(Value)));
  *index = static_cast<uint32_t>(out_.values.size());
  out_.values.emplace_back();
  return Status();
}

namespace {

// A length-delimited field at `p` with tag byte `tag`: its payload, the bytes after it in *p.
inline bool ShortLen(const uint8_t*& p, const uint8_t* end, uint8_t tag, std::string_view* out) {
  uint64_t len = 0;
  size_t n = 0;
  if (p >= end || p[0] != tag || (n = ShortVarint(p + 1, end, &len)) == 0) return false;
  if (len > static_cast<uint64_t>(end - p - 1 - n)) return false;
  *out = std::string_view(reinterpret_cast<const char*>(p + 1 + n), len);
  p += 1 + n + len;
  return true;
}

}  // namespace

bool ProtoDecoder::ShortKeyValue(std::string_view bytes, Status* status) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const uint8_t* const end = p + bytes.size();
  std::string_view key;
  std::string_view any;
  if (!ShortLen(p, end, 0x0a, &key) || !ShortLen(p, end, 0x12, &any) || p != end) return false;
  if (!ValidUtf8(key)) return false;
  const auto* q = reinterpret_cast<const uint8_t*>(any.data());
  const uint8_t* const any_end = q + any.size();
  if (q == any_end) return false;
  // The value is read into locals and then written field by field into its place in the
  // vector: a Value built on the stack and copied would be reloaded in wide words right after
  // its narrow stores, which stalls (a quarter of the decoder's samples in a perf profile).
  const uint8_t tag = *q;
  std::string_view text;
  uint64_t bits = 0;
  ValueKind kind;
  if (tag == 0x0a) {  // string_value
    if (!ShortLen(q, any_end, 0x0a, &text) || q != any_end) return false;
    if (!ValidUtf8(text)) return false;
    kind = ValueKind::kString;
  } else if (tag == 0x10 || tag == 0x18) {  // bool_value, int_value
    const size_t n = ShortVarint(q + 1, any_end, &bits);
    if (n == 0 || q + 1 + n != any_end) return false;
    kind = tag == 0x10 ? ValueKind::kBool : ValueKind::kInt;
  } else if (tag == 0x21) {  // double_value
    if (any_end - q != 9) return false;
    std::memcpy(&bits, q + 1, 8);
    kind = ValueKind::kDouble;
  } else {
    return false;
  }
  *status = budget_.Charge(sizeof(Value));
  if (!status->ok()) return true;
  Value& v = out_.values.emplace_back();
  v.key = key;
  v.kind = kind;
  switch (kind) {
    case ValueKind::kString: v.text = text; break;
    case ValueKind::kDouble: v.double_value = DoubleBits(bits); break;
    default:
      v.bool_value = bits != 0;
      v.int_value = static_cast<int64_t>(bits);
      break;
  }
  return true;
}

Status ProtoDecoder::KeyValue(const ProtoField& kf, int depth) {
  // Past the depth limit the general way reports it (AnyValue).
  if (Status s; depth <= limits_.max_value_depth && ShortKeyValue(kf.bytes, &s)) return s;
  uint32_t index = 0;
  SLUICE_RETURN_IF_ERROR(NewValue(&index));
  ProtoReader r(kf.bytes, kf.payload_offset);
  ProtoField f;
  while (!r.done()) {
    SLUICE_RETURN_IF_ERROR(r.Next(&f));
    if (f.number == 1) {
      SLUICE_ASSIGN_OR_RETURN(out_.values[index].key, StringPayload(f, "key"));
    } else if (f.number == 2) {
      SLUICE_RETURN_IF_ERROR(ExpectWireType(f, WireType::kLen, "value"));
      SLUICE_RETURN_IF_ERROR(AnyValue(f, index, depth));
    }
  }
  return Status();
}

Status ProtoDecoder::AnyValue(const ProtoField& vf, uint32_t index, int depth) {
  if (depth > limits_.max_value_depth) {
    return InvalidArgumentError("an attribute value nested deeper than " +
                                std::to_string(limits_.max_value_depth) + " levels");
  }
  ProtoReader r(vf.bytes, vf.payload_offset);
  ProtoField f;
  while (!r.done()) {
    SLUICE_RETURN_IF_ERROR(r.Next(&f));
    if (f.number < 1 || f.number > 7) continue;
    // A value set twice: the last one counts, so what the first left behind goes.
    if (out_.values.size() != index + 1) out_.values.resize(index + 1);
    out_.values[index].subtree = 1;
    SLUICE_RETURN_IF_ERROR(AnyValueField(f, index, depth));
  }
  out_.values[index].subtree = static_cast<uint32_t>(out_.values.size() - index);
  return Status();
}

Status ProtoDecoder::AnyValueField(const ProtoField& f, uint32_t index, int depth) {
  Value& v = out_.values[index];
  switch (f.number) {
    case 1: {
      v.kind = ValueKind::kString;
      SLUICE_ASSIGN_OR_RETURN(v.text, StringPayload(f, "string_value"));
      return Status();
    }
    case 2:
    case 3:
      SLUICE_RETURN_IF_ERROR(ExpectWireType(f, WireType::kVarint, "a bool or int value"));
      v.kind = f.number == 2 ? ValueKind::kBool : ValueKind::kInt;
      v.bool_value = f.bits != 0;
      v.int_value = static_cast<int64_t>(f.bits);
      return Status();
    case 4:
      SLUICE_RETURN_IF_ERROR(ExpectWireType(f, WireType::kFixed64, "double_value"));
      v.kind = ValueKind::kDouble;
      v.double_value = DoubleBits(f.bits);
      return Status();
    case 7:
      SLUICE_RETURN_IF_ERROR(ExpectWireType(f, WireType::kLen, "bytes_value"));
      v.kind = ValueKind::kBytes;
      v.text = f.bytes;
      return Status();
    default: break;
  }
  // 5: ArrayValue {repeated AnyValue values = 1}; 6: KeyValueList {repeated KeyValue values = 1}.
  SLUICE_RETURN_IF_ERROR(ExpectWireType(f, WireType::kLen, "array_value or kvlist_value"));
  v.kind = f.number == 5 ? ValueKind::kArray : ValueKind::kKvList;
  ProtoReader r(f.bytes, f.payload_offset);
  ProtoField e;
  while (!r.done()) {
    SLUICE_RETURN_IF_ERROR(r.Next(&e));
    if (e.number != 1) continue;
    SLUICE_RETURN_IF_ERROR(ExpectWireType(e, WireType::kLen, "values"));
    if (f.number == 6) {
      SLUICE_RETURN_IF_ERROR(KeyValue(e, depth + 1));
      continue;
    }
    uint32_t child = 0;
    SLUICE_RETURN_IF_ERROR(NewValue(&child));
    SLUICE_RETURN_IF_ERROR(AnyValue(e, child, depth + 1));
  }
  return Status();
}

}  // namespace

Result<DecodedRequest> DecodeProtobufRequest(std::string_view body, const DecodeLimits& limits) {
  DecodedRequest out;
  SLUICE_RETURN_IF_ERROR(DecodeProtobufRequest(body, limits, &out));
  return out;
}

Status DecodeProtobufRequest(std::string_view body, const DecodeLimits& limits,
                             DecodedRequest* out) {
  ProtoDecoder decoder(limits, *out);
  return decoder.Decode(body);
}

}  // namespace sluice::api::otlp
