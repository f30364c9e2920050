// Expression evaluation over one row with SQL's three-valued logic (DESIGN.md §4): a comparison
// with null is null, `and`/`or` follow Kleene logic, and a filter keeps a row only when it is
// true. Evaluation never fails: type mismatches and division by zero give null.
#pragma once

#include <vector>

#include "common/clock.h"
#include "query/ast.h"
#include "query/row.h"
#include "query/value.h"

namespace sluice::query {

struct EvalEnv {
  // now() for the whole query (taken once, so every row sees the same time).
  TimestampMicros now = 0;
  // Finished aggregate values by Expr::agg_slot, when evaluating measures; else null.
  const std::vector<Value>* aggregates = nullptr;
};

// Evaluates a bound expression. `row` may be null for constant expressions and measures (fields
// then evaluate to null).
Value Eval(const Expr& e, RowView* row, const EvalEnv& env);

// True when e reads no row field and no aggregate (a constant, now() included).
bool IsConstant(const Expr& e);

// SQL LIKE: '%' any run, '_' one character, '\' escapes the next pattern character.
bool LikeMatch(std::string_view text, std::string_view pattern, bool case_insensitive);

}  // namespace sluice::query
