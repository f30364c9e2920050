// Event: one row (span) of project_logs, an experiment or a dataset, with every field of
// DESIGN.md §3 and Braintrust's ProjectLogsEvent/ExperimentEvent/DatasetEvent shapes.
// Object-valued fields are kept as canonical JSON text (common/json.h), so JSON Lines export
// appends them as they are; scalars are typed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "model/object.h"

namespace sluice::model {

// A stored row.
struct Event {
  // Identity. `id` is the row id the client sees; the rest place the span in its trace.
  std::string id;
  std::string span_id;
  std::string root_span_id;
  std::vector<std::string> span_parents;
  bool is_root = true;
  TimestampMicros created = 0;

  // JSON-valued fields as canonical JSON text; empty means absent (null).
  std::string input;
  std::string output;
  std::string expected;
  std::string error;
  std::string scores;           // object of name -> number|null
  std::string metrics;          // object: start, end, prompt_tokens, completion_tokens, tokens…
  std::string metadata;         // object
  std::string span_attributes;  // object: name, type, …
  std::string context;          // object
  std::string origin;           // object
  std::vector<std::string> tags;

  // Ownership.
  std::string org_id;
  std::string project_id;
  ObjectRef object;

  // Transaction that wrote this version: only grows (DESIGN.md §3).
  uint64_t xact_id = 0;
  // Store-assigned key of this version, unique per store, increasing with xact_id. Together
  // (xact_id, row_key) order rows for export cursors.
  int64_t row_key = 0;
};

// The JSON-valued members of Event, in output order, for code that walks them generically.
struct JsonField {
  const char* name;
  std::string Event::*member;
};
inline constexpr JsonField kJsonFields[] = {
    {"input", &Event::input},       {"output", &Event::output},
    {"expected", &Event::expected}, {"error", &Event::error},
    {"scores", &Event::scores},     {"metrics", &Event::metrics},
    {"metadata", &Event::metadata}, {"span_attributes", &Event::span_attributes},
    {"context", &Event::context},   {"origin", &Event::origin},
};

// Appends the event as one compact JSON object in the API's field order: id, _xact_id (decimal
// string), created (RFC 3339), org_id, project_id, the object's id field (log_id "g",
// experiment_id or dataset_id), span ids, JSON fields, tags.
void AppendEventJson(const Event& e, std::string& out);

}  // namespace sluice::model
