#include "query/aggregate.h"

#include "query/names.h"

namespace sluice::query {

GroupTable::GroupTable(const Query& query) : query_(query), aggregates_(CollectAggregates(query)) {}

Status GroupTable::Add(RowView& row, const EvalEnv& env) {
  std::vector<Value> dims;
  std::string key;
  for (const SelectItem& d : query_.dimensions) {
    dims.push_back(Eval(*d.expr, &row, env));
    key += static_cast<char>(dims.back().kind);
    dims.back().AppendJson(key);
    key += '\x1f';
  }
  SLUICE_ASSIGN_OR_RETURN(Group * g, GroupFor(key, std::move(dims)));
  for (size_t k = 0; k < aggregates_.size(); ++k) Update(*aggregates_[k], g->states[k], row, env);
  return Status::Ok();
}

Result<GroupTable::Group*> GroupTable::GroupFor(const std::string& key, std::vector<Value> dims) {
  auto [it, inserted] = index_.try_emplace(key, groups_.size());
  if (inserted) {
    if (groups_.size() >= kMaxGroups) {
      index_.erase(it);
      return InvalidArgumentError("query makes more than " + std::to_string(kMaxGroups) +
                                  " groups; add a filter or use fewer dimensions");
    }
    groups_.push_back(Group{std::move(dims), std::vector<State>(aggregates_.size())});
  }
  return &groups_[it->second];
}

bool GroupTable::CountsRowsOnly() const {
  if (!query_.dimensions.empty()) return false;
  for (const Expr* call : aggregates_) {
    const bool counts_rows =
        call->name == "count" &&
        (call->star || call->args.empty() ||
         (call->args[0]->kind == ExprKind::kLiteral && !call->args[0]->literal.is_null()));
    if (!counts_rows) return false;
  }
  return true;
}

Status GroupTable::AddRows(int64_t n) {
  SLUICE_ASSIGN_OR_RETURN(Group * g, GroupFor(std::string(), {}));  // Add's key without dimensions
  for (State& s : g->states) s.count += n;
  return Status::Ok();
}

void GroupTable::Update(const Expr& call, State& s, RowView& row, const EvalEnv& env) const {
  if (call.star || call.args.empty()) {
    ++s.count;
    return;
  }
  Value v = Eval(*call.args[0], &row, env);
  if (v.is_null()) return;
  if (call.name == "count") {
    ++s.count;
  } else if (call.name == "sum" || call.name == "avg") {
    if (!v.is_number()) return;
    ++s.count;
    s.sum += v.AsDouble();
    if (v.kind != Value::Kind::kInt || __builtin_add_overflow(s.int_sum, v.i, &s.int_sum)) {
      s.all_int = false;
    }
  } else if (call.name == "min") {
    if (s.min.is_null() || CompareTotal(v, s.min) < 0) s.min = std::move(v);
  } else if (s.max.is_null() || CompareTotal(v, s.max) > 0) {
    s.max = std::move(v);
  }
}

Value GroupTable::Final(const Expr& call, const State& s) {
  if (call.name == "count") return Value::Int(s.count);
  if (call.name == "min") return s.min;
  if (call.name == "max") return s.max;
  if (s.count == 0) return Value::Null();
  if (call.name == "avg") return Value::Double(s.sum / static_cast<double>(s.count));
  return s.all_int ? Value::Int(s.int_sum) : Value::Double(s.sum);
}

std::vector<std::vector<Value>> GroupTable::Finish(const EvalEnv& env) const {
  std::vector<Group> empty;
  const std::vector<Group>* groups = &groups_;
  if (groups_.empty() && query_.dimensions.empty()) {
    empty.push_back(Group{{}, std::vector<State>(aggregates_.size())});
    groups = &empty;
  }
  std::vector<std::vector<Value>> out;
  for (const Group& g : *groups) {
    std::vector<Value> finals;
    for (size_t k = 0; k < aggregates_.size(); ++k)
      finals.push_back(Final(*aggregates_[k], g.states[k]));
    EvalEnv measure_env = env;
    measure_env.aggregates = &finals;
    std::vector<Value> row = g.dims;
    for (const SelectItem& m : query_.measures) row.push_back(Eval(*m.expr, nullptr, measure_env));
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace sluice::query
