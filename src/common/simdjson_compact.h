// Compact JSON text written straight from a simdjson DOM element, as Json::ToString writes each
// value, with no intermediate tree: the insert API's fields and OTLP's JSON-carrying attributes.
//
// Includes simdjson: for .cc files that parse, never for widely included headers.
#pragma once

#include <simdjson.h>

#include <string>

#include "common/status.h"

namespace sluice {

// The array or object inside an element known to hold one, else an empty one. (Range loops must
// not iterate a temporary simdjson_result: it would dangle.)
inline simdjson::dom::array ArrayIn(simdjson::dom::element e) {
  simdjson::dom::array a;
  if (e.get_array().get(a) != simdjson::SUCCESS) return simdjson::dom::array();
  return a;
}

inline simdjson::dom::object ObjectIn(simdjson::dom::element e) {
  simdjson::dom::object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return simdjson::dom::object();
  return o;
}

// Nesting a JSON document may have, here and in Json::Parse (`depth` counts from 1 at the
// outermost value): 256 levels parse, 257 do not.
inline constexpr int kMaxJsonDepth = 256;

// Appends `el` compactly: members in their order, a repeated key as often as it comes.
// kInvalidArgument ("invalid JSON: nested deeper than 256") past kMaxJsonDepth. With
// `duplicate`, sets *duplicate when an object repeats a key (the canonical form, which keeps
// one value per key, then needs the Json class).
Status AppendCompactJson(simdjson::dom::element el, std::string& out, int depth = 1,
                         bool* duplicate = nullptr);

}  // namespace sluice
