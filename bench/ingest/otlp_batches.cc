#include "bench/ingest/otlp_batches.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "api/otlp/otlp_proto.h"
#include "api/otlp/span_mapping.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/json_writer.h"

namespace sluice::bench {

namespace {

// Appends protobuf wire format.
class Writer {
 public:
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void Tag(uint32_t field, int wire_type) { Varint(uint64_t{field} << 3 | wire_type); }
  void Bytes(uint32_t field, std::string_view b) {
    Tag(field, 2);
    Varint(b.size());
    out_.append(b);
  }
  void Fixed64(uint32_t field, uint64_t v) {
    Tag(field, 1);
    char b[8];
    std::memcpy(b, &v, 8);
    out_.append(b, 8);
  }
  void VarintField(uint32_t field, uint64_t v) {
    Tag(field, 0);
    Varint(v);
  }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

// The bytes of the hex digits of a UUID, at most `n`.
std::string IdBytes(const std::string& uuid, size_t n) {
  std::string out;
  for (size_t i = 0; i + 1 < uuid.size() && out.size() < n; ++i) {
    if (uuid[i] == '-') continue;
    out.push_back(static_cast<char>(std::stoi(uuid.substr(i, 2), nullptr, 16)));
    ++i;
  }
  return out;
}

// KeyValue{key, AnyValue} as span field 9 (attributes); `json` is the value as JSON.
void Attribute(Writer& span, std::string_view key, const Json& value) {
  Writer any;
  if (value.is_string()) {
    any.Bytes(1, value.string_value());
  } else if (value.is_bool()) {
    any.VarintField(2, value.bool_value() ? 1 : 0);
  } else if (value.type() == Json::Type::kInt || value.type() == Json::Type::kUint) {
    any.VarintField(3, static_cast<uint64_t>(value.int_value()));
  } else if (value.is_number()) {
    uint64_t bits = 0;
    const double d = value.number_value();
    std::memcpy(&bits, &d, 8);
    any.Fixed64(4, bits);
  } else {
    any.Bytes(1, value.ToString());  // objects and arrays as JSON text
  }
  Writer kv;
  kv.Bytes(1, key);
  kv.Bytes(2, any.str());
  span.Bytes(9, kv.str());
}

Json Parsed(const std::string& text) {
  auto j = Json::Parse(text.empty() ? "null" : text);
  return j.ok() ? std::move(j).value() : Json();
}

uint64_t Nanos(const Json& metrics, const char* name) {
  const Json* v = metrics.Find(name);
  return v && v->is_number() ? static_cast<uint64_t>(v->number_value() * 1e9) : 0;
}

std::string SpanBytes(const model::Event& e) {
  Writer span;
  span.Bytes(1, IdBytes(e.root_span_id, 16));
  span.Bytes(2, IdBytes(e.span_id, 8));
  if (!e.span_parents.empty()) span.Bytes(4, IdBytes(e.span_parents[0], 8));
  const Json attributes = Parsed(e.span_attributes);
  const Json* name = attributes.Find("name");
  span.Bytes(5, name && name->is_string() ? name->string_value() : "span");
  const Json metrics = Parsed(e.metrics);
  span.Fixed64(7, Nanos(metrics, "start"));
  span.Fixed64(8, Nanos(metrics, "end"));
  const Json metadata = Parsed(e.metadata);
  Attribute(span, "gen_ai.operation.name", Json::String("chat"));
  Attribute(span, "gen_ai.system", Json::String("openai"));
  if (const Json* model = metadata.Find("model")) Attribute(span, "gen_ai.request.model", *model);
  Attribute(span, "gen_ai.request.temperature", Json::Double(0.7));
  if (const Json* t = metrics.Find("prompt_tokens")) {
    Attribute(span, "gen_ai.usage.input_tokens", *t);
  }
  if (const Json* t = metrics.Find("completion_tokens")) {
    Attribute(span, "gen_ai.usage.output_tokens", *t);
  }
  if (!e.input.empty()) Attribute(span, "gen_ai.input.messages", Json::String(e.input));
  if (!e.output.empty()) Attribute(span, "gen_ai.output.messages", Json::String(e.output));
  for (const auto& [k, v] : metadata.members()) {
    if (k != "model") Attribute(span, k, v);
  }
  if (!e.scores.empty()) Attribute(span, "braintrust.scores", Json::String(e.scores));
  if (!e.tags.empty()) {
    Json tags = Json::Array();
    for (const auto& t : e.tags) tags.Push(Json::String(t));
    Attribute(span, "braintrust.tags", Json::String(tags.ToString()));
  }
  if (!e.error.empty()) {
    Writer status;
    status.Bytes(2, Parsed(e.error).is_string() ? Parsed(e.error).string_value() : e.error);
    status.VarintField(3, 2);
    span.Bytes(15, status.str());
  }
  return std::move(span.str());
}

}  // namespace

std::string OtlpRequestBody(std::span<const model::Event> spans) {
  Writer scope_spans;
  Writer scope;
  scope.Bytes(1, "sluice-ingest-bench");
  scope_spans.Bytes(1, scope.str());
  for (const model::Event& e : spans) scope_spans.Bytes(2, SpanBytes(e));
  Writer resource;
  Writer service;
  service.Bytes(1, "service.name");
  Writer name;
  name.Bytes(1, "bench");
  service.Bytes(2, name.str());
  resource.Bytes(1, service.str());
  Writer resource_spans;
  resource_spans.Bytes(1, resource.str());
  resource_spans.Bytes(2, scope_spans.str());
  Writer request;
  request.Bytes(1, resource_spans.str());
  return std::move(request.str());
}

Result<std::vector<model::EventWrite>> DecodeAndMapOtlp(const Batch& batch) {
  // As the server's request threads do, each decode reuses the previous one's memory.
  thread_local api::otlp::DecodedRequest request;
  SLUICE_RETURN_IF_ERROR(
      api::otlp::DecodeProtobufRequest(batch.body, api::otlp::DecodeLimits{}, &request));
  std::vector<model::EventWrite> writes;
  writes.reserve(request.spans.size());
  for (const api::otlp::Span& span : request.spans) {
    SLUICE_ASSIGN_OR_RETURN(model::EventWrite w,
                            api::otlp::MapSpan(request, span, api::otlp::MappingOptions{}));
    writes.push_back(std::move(w));
  }
  return writes;
}

std::string InsertBodyOfOtlpRows(const std::string& otlp_body) {
  auto writes = DecodeAndMapOtlp(Batch{otlp_body, 0});
  if (!writes.ok()) {
    std::fprintf(stderr, "the bench's OTLP spans do not map: %s\n",
                 writes.status().ToString().c_str());
    std::abort();
  }
  std::string out = R"({"events":[)";
  for (const model::EventWrite& w : *writes) {
    if (out.back() != '[') out.push_back(',');
    out += R"({"id":)";
    AppendJsonString(out, w.id);
    for (const auto& [name, text] : w.fields) {
      out.push_back(',');
      AppendJsonString(out, name);
      out.push_back(':');
      out += text;
    }
    out.push_back('}');
  }
  out += "]}";
  return out;
}

}  // namespace sluice::bench
