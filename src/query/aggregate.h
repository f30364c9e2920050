// Grouping for dimensions/measures (BTQL) and GROUP BY (SQL): rows are grouped by the values of
// the dimensions; each aggregate call of the measures (count, sum, avg, min, max) keeps a
// running state per group. Memory grows with the number of groups (capped by kMaxGroups).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "query/ast.h"
#include "query/eval.h"

namespace sluice::query {

inline constexpr size_t kMaxGroups = 100'000;

// Not thread-safe.
class GroupTable {
 public:
  // REQUIRES: query is bound and aggregating; it outlives the table.
  explicit GroupTable(const Query& query);

  // Adds one row (that passed the filter). kInvalidArgument past kMaxGroups.
  Status Add(RowView& row, const EvalEnv& env);

  // Whether the query has no dimensions and every aggregate counts rows (count(*), count(1)):
  // then AddRows can stand for Add.
  bool CountsRowsOnly() const;
  // As `n` calls of Add. REQUIRES: CountsRowsOnly().
  Status AddRows(int64_t n);

  // One output row per group: the dimension values then the measure values, in column order.
  // A query without dimensions yields one row even when no row was added.
  std::vector<std::vector<Value>> Finish(const EvalEnv& env) const;

 private:
  struct State {
    int64_t count = 0;
    bool all_int = true;
    int64_t int_sum = 0;
    double sum = 0;
    Value min;
    Value max;
  };
  struct Group {
    std::vector<Value> dims;
    std::vector<State> states;
  };

  // The group of `key` (dimension values `dims`), added if new. kInvalidArgument past
  // kMaxGroups.
  Result<Group*> GroupFor(const std::string& key, std::vector<Value> dims);
  void Update(const Expr& call, State& s, RowView& row, const EvalEnv& env) const;
  static Value Final(const Expr& call, const State& s);

  const Query& query_;
  std::vector<const Expr*> aggregates_;
  std::vector<Group> groups_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace sluice::query
