// FileValue: the value an output row's column has in a file (format::Value), as docs/formats.md
// ("Custom query schema") types the rows of a custom query: what the API's JSON text of the value
// reads back as. A number written without fraction or exponent is int64 (so a whole double such
// as 5.0 is int64 5), a non-finite one null; a timestamp is its RFC 3339 text; an interval its
// seconds; objects and arrays are their canonical JSON text (Json::ToString).
#pragma once

#include "common/status.h"
#include "format/row.h"
#include "query/value.h"

namespace sluice::query {

// kInvalidArgument for an object whose text is not JSON.
Result<format::Value> FileValue(const Value& value);

}  // namespace sluice::query
