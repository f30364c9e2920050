// DuckDB's column types for the span export's schema, as the JSON object the DuckDB scripts of
// bench/format take (`{"id":"VARCHAR",...}`), so DuckDB reads our JSON Lines with our types.
#pragma once

#include <string>

#include "format/schemas.h"

namespace sluice::bench {

inline std::string DuckTypes() {
  const char* names[] = {"",        "BOOLEAN",     "BIGINT", "DOUBLE",
                         "VARCHAR", "TIMESTAMPTZ", "JSON",   "VARCHAR[]"};
  std::string out = "{";
  for (const format::Column& c : format::SpanSchema().columns) {
    if (out.size() > 1) out += ',';
    out += "\"" + c.name + "\":\"" + names[static_cast<int>(c.type)] + "\"";
  }
  return out + "}";
}

}  // namespace sluice::bench
