// The JSON form of a query, as the Braintrust SDKs send it to `POST /btql`: a syntax tree
// `{select, from: {op: "function", name: {op: "ident", name: [...]}, args: [...]}, filter, sort,
// dimensions, measures, cursor, limit}` whose expressions are `{op: ...}` nodes (literal, ident,
// star, comparisons, and/or/not, arithmetic, function calls, intervals). It becomes the same
// Query as the text syntaxes (ast.h), bound and checked the same way.
#pragma once

#include "common/json.h"
#include "common/status.h"
#include "query/ast.h"

namespace sluice::query {

// Builds and binds the query. Errors are kInvalidArgument naming the place in the tree
// ("query.filter.left: unknown op 'equals'", "unknown field 'metdata' at query.filter.left").
// Never crashes on any input (fuzzed); nesting deeper than 128 is refused.
Result<Query> QueryFromJson(const Json& tree);

}  // namespace sluice::query
