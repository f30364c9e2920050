// RowFilter: one BTQL filter expression (`tags includes 'keep'`, `metadata.env = 'prod'`)
// compiled once and evaluated over rows as the query engine would, for the jobs that pick rows
// by a user's filter: a retention policy's exempt_filter, an import's filter.
#pragma once

#include <memory>
#include <string>

#include "model/event.h"
#include "query/ast.h"
#include "query/eval.h"
#include "query/row.h"

namespace sluice::jobs {

// Not thread-safe (one per run).
class RowFilter {
 public:
  // An empty `filter` matches nothing (active() is false). `now` is the filter's now().
  // kInvalidArgument when the filter does not parse (CheckFilter in automation_config.h gives
  // errors with positions in the filter).
  static Result<RowFilter> Compile(const std::string& filter, const model::ObjectRef& object,
                                   TimestampMicros now);

  bool active() const { return query_.filter != nullptr; }
  // Whether the row matches; false when the filter is not active.
  bool Matches(const model::Event& e);

 private:
  query::Query query_;
  query::EvalEnv env_;
  std::unique_ptr<query::RowView> view_ = std::make_unique<query::RowView>();
};

}  // namespace sluice::jobs
