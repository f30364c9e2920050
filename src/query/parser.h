// Parser for both query syntaxes of DESIGN.md §4 into one Query (ast.h), followed by binding:
// field names are resolved (with a suggestion for a near miss), functions and their arity are
// checked, aggregates are placed, and string literals compared with `created` become timestamps.
#pragma once

#include <string_view>

#include "common/status.h"
#include "query/ast.h"

namespace sluice::query {

// Parses and binds a query. A query whose first word is SELECT or WITH (not followed by ':') is
// SQL; anything else is BTQL clauses. Errors are kInvalidArgument whose message names the
// problem and its position as line:column ("unknown field 'metdata' at 1:9; did you mean
// 'metadata'?"). Never crashes or hangs on any input (fuzzed).
Result<Query> ParseQuery(std::string_view text);

// The parse step alone (no field or function checks); exposed for tests and the fuzzer.
Result<Query> ParseQuerySyntax(std::string_view text);

// Resolves names and checks the query (the second half of ParseQuery).
Status BindQuery(Query& query);

}  // namespace sluice::query
