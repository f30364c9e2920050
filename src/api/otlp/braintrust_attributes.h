// The `braintrust.*` span attributes, which set a row's fields directly (as Braintrust's OTLP
// endpoint reads them): input_json, output_json, expected, metadata, metrics, scores, tags and
// span_attributes, each a JSON string or the OTLP value itself (a map, an array). They win over
// what the conventions give and are validated as the insert API validates those fields.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "api/otlp/attribute_index.h"
#include "common/status.h"

namespace sluice::api::otlp {

struct BraintrustFields {
  std::string input;     // JSON text, "" when not given
  std::string output;    // JSON text
  std::string expected;  // JSON text
  std::string scores;    // object text
  std::string tags;      // array text
  // Members (key, JSON text) merged over what the span gives otherwise.
  std::vector<std::pair<std::string, std::string>> metadata;
  std::vector<std::pair<std::string, std::string>> metrics;
  std::vector<std::pair<std::string, std::string>> span_attributes;
};

// Reads and validates them, marking them taken. kInvalidArgument naming the attribute
// ("braintrust.scores.accuracy: must be a number between 0 and 1, or null").
Result<BraintrustFields> ReadBraintrustAttributes(AttributeIndex& attributes);

}  // namespace sluice::api::otlp
