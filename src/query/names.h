// The names a query may use: row fields, functions, aggregates; and "did you mean" suggestions
// for near misses (edit distance).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "query/ast.h"

namespace sluice::query {

struct FieldInfo {
  std::string_view name;
  FieldId id;
  bool json;         // JSON-valued: accepts sub-paths (metadata.a.b)
  bool traces_only;  // exists only in the traces shape
};

// Every top-level field, spans and traces.
const std::vector<FieldInfo>& AllFields();
// The field with this exact name, or nullptr.
const FieldInfo* FindField(std::string_view name);

// count, sum, avg, min, max.
bool IsAggregateName(std::string_view name);
// True when e contains an aggregate call.
bool ContainsAggregate(const Expr& e);

// The closest of candidates to word when it is a plausible typo (edit distance at most 2, and
// less than half the word), else "".
std::string ClosestName(std::string_view word, const std::vector<std::string>& candidates);
// "did you mean 'x'?" for a near miss, else fallback.
std::string SuggestionHint(std::string_view word, const std::vector<std::string>& candidates,
                           const std::string& fallback = "");

}  // namespace sluice::query

namespace sluice::query {
// The aggregate calls of a query's measures in slot order (Expr::agg_slot == index).
std::vector<const Expr*> CollectAggregates(const Query& q);
}  // namespace sluice::query
