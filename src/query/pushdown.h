// Pushdown: the predicates of a filter that a store answers from its indexes (DESIGN.md §4):
// `created` ranges, `_xact_id` ranges, `id` and `root_span_id` equality or `in` lists; and, as
// hints a store may use to skip rows, a JSON field's member equal to string constants
// (`metadata.environment = 'prod'`, `metadata.region in ('eu', 'us')`). Only top-level `and`
// conjuncts of the form <field> <op> <constant> are taken; the whole filter is still evaluated
// over the streamed rows, so pushdown only narrows the scan. The one exception: a count whose
// filter is taken whole (Pushdown::whole) may be answered by the source (the executor's
// CountInSource).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/scan.h"
#include "query/ast.h"
#include "query/eval.h"

namespace sluice::query {

struct Pushdown {
  // created in [created_min, created_max).
  std::optional<TimestampMicros> created_min;
  std::optional<TimestampMicros> created_max;
  // _xact_id > xact_after and _xact_id <= xact_max.
  std::optional<int64_t> xact_after;
  std::optional<int64_t> xact_max;
  // nullopt: no restriction; else rows whose id (root_span_id) is in the list.
  std::optional<std::vector<std::string>> ids;
  std::optional<std::vector<std::string>> root_span_ids;
  // Spans shape only: JSON members that must be one of some strings.
  std::vector<model::JsonStringMatch> json_matches;
  // The conjuncts contradict each other: no row can match, skip the scan.
  bool empty = false;
  // Every conjunct was taken whole (a `created` comparison with a timestamp, an `id` or
  // `root_span_id` list, or for spans a JSON match): a scan with this pushdown, JSON matches
  // applied exactly, returns exactly the rows the filter keeps. True for no filter.
  bool whole = true;
};

// `shape` decides what may be pushed: for traces only the root span's created and id and the
// root_span_id (a trace's _xact_id is its greatest, not known per span; its JSON fields are
// read from its spans, of which only the root must match).
Pushdown ExtractPushdown(const Expr* filter, Shape shape, const EvalEnv& env);

// Copies the pushdown into a scan request (ids, root_span_ids, created and _xact_id bounds,
// JSON matches).
// The _xact_id lower bound becomes `after` and needs kXactAscending order; for other orders it
// is left to the row filter.
void ApplyPushdown(const Pushdown& p, model::ScanRequest& scan);

}  // namespace sluice::query
