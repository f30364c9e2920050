// Maps one decoded OTLP span to a row write, so that it is stored like a span the Braintrust
// SDK logs through the insert API: lower-case hex ids (row id = span id, root_span_id = trace
// id, span_parents = [parent span id]), metrics.start/end in seconds, span_attributes {name,
// type}, error from the status and exception event, `braintrust.*` attributes, the well-known
// conventions (conventions.h) and every other attribute in metadata. Table: docs/api.md.
#pragma once

#include <string_view>

#include "api/otlp/otlp_request.h"
#include "model/event_write.h"

namespace sluice::api::otlp {

// Which attributes no convention maps go into metadata.
enum class ExtraAttributes {
  kAll,   // the span's and its resource's
  kSpan,  // the span's only
  kNone,  // none
};

// "all", "span" or "none"; kInvalidArgument otherwise.
Result<ExtraAttributes> ParseExtraAttributes(std::string_view name);

struct MappingOptions {
  ExtraAttributes extra_attributes = ExtraAttributes::kAll;
};

// The row for `span` (of request `r`). kInvalidArgument when this span cannot be stored (ids of
// the wrong length or all zero, a `braintrust.*` attribute of the wrong type), naming the span
// and the problem: the caller rejects the span and keeps the rest of the request.
Result<model::EventWrite> MapSpan(const DecodedRequest& r, const Span& span,
                                  const MappingOptions& options);

}  // namespace sluice::api::otlp
