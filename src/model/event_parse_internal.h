// Internal to the model library: the event parser shared by the insert API
// (ParseInsertRequest), `/logs3` (ParseLogs3Request) and imports (ParseImportRows). It reads
// straight from simdjson's document, so only model's .cc files include this header.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "common/simdjson_compact.h"
#include "common/status.h"
#include "model/event_write.h"

namespace sluice::model::event_parse {

using simdjson::dom::element;
using simdjson::dom::element_type;

inline bool IsNumber(element_type t) {
  return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
}

// kInvalidArgument "<where>.<field>: <why>".
Status FieldError(std::string_view where, std::string_view field, std::string_view why);

// Keys a row may carry besides an event's, taken aside while parsing it: the ids of its object
// and the SDKs' own control fields.
struct RowExtras {
  std::string project_id, log_id, experiment_id, dataset_id, parent_id;
  bool comment = false;  // a feedback comment (`comment` and `origin.id`), not a span
  // An exported or pulled row: null values count as absent, and the columns exports derive
  // (`_xact_id`, `org_id`, `is_root`, the traces shape's counts and timings) are dropped.
  bool exported = false;
};

// Parses one event object. With `extras`, the /logs3 keys above are taken into it instead of
// being refused as unknown fields.
Result<EventWrite> ParseEvent(element event, std::string_view where, RowExtras* extras);

// Parses a JSON document with the thread's kept parser (a padded copy and parser buffers per
// call were fresh allocations of the body's size, faulted in each time): "invalid JSON: …".
// The element lives until the thread's next ParseDocument or ParseRoot.
Result<element> ParseDocument(std::string_view text);
// ParseDocument of a request body, which must be a JSON object.
Result<element> ParseRoot(std::string_view text);

}  // namespace sluice::model::event_parse
