// The OTLP half of the ingest benchmark's data: the generator's spans as OpenTelemetry GenAI
// spans in OTLP/HTTP protobuf requests (ExportTraceServiceRequest, opentelemetry-proto), so the
// `/otel/v1/traces` path can be measured on the same spans as the insert API. The encoder is
// the benchmark's own and writes only what these spans need.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bench/ingest/ingest_common.h"
#include "common/status.h"
#include "model/event.h"
#include "model/event_write.h"

namespace sluice::bench {

// One request holding `spans`: trace and span ids from the generated ids, name, start and end,
// gen_ai.* attributes (operation, system, model, temperature, token usage, input and output
// messages), the other metadata members as attributes, braintrust.scores and braintrust.tags,
// and an ERROR status for spans with an error. One resource (service.name).
std::string OtlpRequestBody(std::span<const model::Event> spans);

// What the server does with an OTLP request before the store: decode the protobuf and map every
// span to a row write. An error when the batch does not decode or a span is rejected (the
// server would store the others and answer with a partial success).
Result<std::vector<model::EventWrite>> DecodeAndMapOtlp(const Batch& batch);

// An insert API body (`{"events":[...]}`) holding the rows the OTLP mapping makes of `otlp_body`
// (an OtlpRequestBody): each event's id and mapped fields as they are. Aborts when a span does
// not map, which OtlpRequestBody never makes.
std::string InsertBodyOfOtlpRows(const std::string& otlp_body);

}  // namespace sluice::bench
