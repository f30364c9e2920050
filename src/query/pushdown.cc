#include "query/pushdown.h"

#include <algorithm>

namespace sluice::query {
namespace {

void Conjuncts(const Expr& e, std::vector<const Expr*>& out) {
  if (e.kind == ExprKind::kBinary && e.op == Op::kAnd) {
    Conjuncts(*e.args[0], out);
    Conjuncts(*e.args[1], out);
  } else {
    out.push_back(&e);
  }
}

bool IsTopField(const Expr& e, FieldId id) {
  return e.kind == ExprKind::kField && e.field == id && e.path.size() == 1;
}

Op Flip(Op op) {
  switch (op) {
    case Op::kLt: return Op::kGt;
    case Op::kLe: return Op::kGe;
    case Op::kGt: return Op::kLt;
    case Op::kGe: return Op::kLe;
    default: return op;
  }
}

void Lower(std::optional<int64_t>& bound, int64_t v) { bound = bound ? std::max(*bound, v) : v; }
void Upper(std::optional<int64_t>& bound, int64_t v) { bound = bound ? std::min(*bound, v) : v; }

// created in [min, max): folds one comparison with a timestamp; whether it did.
bool CreatedBound(Pushdown& p, Op op, int64_t t) {
  if (t == INT64_MAX || t == INT64_MIN) return false;
  switch (op) {
    case Op::kEq:
      Lower(p.created_min, t);
      Upper(p.created_max, t + 1);
      return true;
    case Op::kGt: Lower(p.created_min, t + 1); return true;
    case Op::kGe: Lower(p.created_min, t); return true;
    case Op::kLt: Upper(p.created_max, t); return true;
    case Op::kLe: Upper(p.created_max, t + 1); return true;
    default: return false;
  }
}

// _xact_id in (after, max].
void XactBound(Pushdown& p, Op op, int64_t x) {
  if (x == INT64_MAX || x == INT64_MIN) return;
  switch (op) {
    case Op::kEq:
      Lower(p.xact_after, x - 1);
      Upper(p.xact_max, x);
      break;
    case Op::kGt: Lower(p.xact_after, x); break;
    case Op::kGe: Lower(p.xact_after, x - 1); break;
    case Op::kLt: Upper(p.xact_max, x - 1); break;
    case Op::kLe: Upper(p.xact_max, x); break;
    default: break;
  }
}

void Intersect(std::optional<std::vector<std::string>>& list, std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  if (!list) {
    list = std::move(values);
    return;
  }
  std::vector<std::string> both;
  std::set_intersection(list->begin(), list->end(), values.begin(), values.end(),
                        std::back_inserter(both));
  list = std::move(both);
}

// `field = 'x'` or `field in ('x', 'y')` with string constants: the strings, else nullopt.
std::optional<std::vector<std::string>> IdList(const Expr& e, FieldId id, const EvalEnv& env) {
  bool eq = e.kind == ExprKind::kBinary && e.op == Op::kEq;
  bool in = e.kind == ExprKind::kIn && !e.negated;
  if (!(eq || in)) return std::nullopt;
  size_t field_side = IsTopField(*e.args[0], id) ? 0 : 1;
  if (in && field_side != 0) return std::nullopt;
  if (!IsTopField(*e.args[field_side], id)) return std::nullopt;
  std::vector<std::string> out;
  for (size_t k = 0; k < e.args.size(); ++k) {
    if (k == field_side) continue;
    if (!IsConstant(*e.args[k])) return std::nullopt;
    Value v = Eval(*e.args[k], nullptr, env);
    if (v.kind != Value::Kind::kString) return std::nullopt;
    out.push_back(v.s);
  }
  return out;
}

// `json_field.a.b = 'x'` or `json_field.a.b in ('x', 'y')`, case-sensitive, with string
// constants: the match, else nullopt.
std::optional<model::JsonStringMatch> JsonMatch(const Expr& e, const EvalEnv& env) {
  bool eq = e.kind == ExprKind::kBinary && e.op == Op::kEq;
  bool in = e.kind == ExprKind::kIn && !e.negated;
  if (!(eq || in) || e.case_insensitive) return std::nullopt;
  auto is_member = [](const Expr& f) {
    return f.kind == ExprKind::kField && f.path.size() >= 2 && JsonFieldIndex(f.field) >= 0;
  };
  size_t field_side = is_member(*e.args[0]) ? 0 : 1;
  if ((in && field_side != 0) || !is_member(*e.args[field_side])) return std::nullopt;
  const Expr& field = *e.args[field_side];
  model::JsonStringMatch m;
  m.field = model::kJsonFields[JsonFieldIndex(field.field)].name;
  m.path.assign(field.path.begin() + 1, field.path.end());
  for (size_t k = 0; k < e.args.size(); ++k) {
    if (k == field_side) continue;
    if (!IsConstant(*e.args[k])) return std::nullopt;
    Value v = Eval(*e.args[k], nullptr, env);
    if (v.kind != Value::Kind::kString) return std::nullopt;
    m.values.push_back(std::move(v.s));
  }
  return m;
}

// Folds a comparison of `created` or `_xact_id` with a constant; whether it was a `created`
// comparison taken whole.
bool Range(const Expr& e, Shape shape, const EvalEnv& env, Pushdown& p) {
  if (e.kind != ExprKind::kBinary || e.op > Op::kGe || e.op == Op::kNe) return false;
  bool whole = false;
  for (int side = 0; side < 2; ++side) {
    const Expr& field = *e.args[side];
    const Expr& other = *e.args[1 - side];
    if (field.kind != ExprKind::kField || !IsConstant(other)) continue;
    Op op = side == 0 ? e.op : Flip(e.op);
    Value v = Eval(other, nullptr, env);
    if (IsTopField(field, FieldId::kCreated) && v.kind == Value::Kind::kTimestamp) {
      whole = CreatedBound(p, op, v.i) || whole;
    } else if (IsTopField(field, FieldId::kXactId) && v.kind == Value::Kind::kInt &&
               shape == Shape::kSpans) {
      XactBound(p, op, v.i);
    }
  }
  return whole;
}

}  // namespace

Pushdown ExtractPushdown(const Expr* filter, Shape shape, const EvalEnv& env) {
  Pushdown p;
  if (filter == nullptr) return p;
  std::vector<const Expr*> conjuncts;
  Conjuncts(*filter, conjuncts);
  for (const Expr* c : conjuncts) {
    bool taken = Range(*c, shape, env, p);
    if (auto ids = IdList(*c, FieldId::kId, env)) {
      Intersect(p.ids, std::move(*ids));
      taken = true;
    }
    if (auto roots = IdList(*c, FieldId::kRootSpanId, env)) {
      Intersect(p.root_span_ids, std::move(*roots));
      taken = true;
    }
    if (shape == Shape::kSpans) {
      if (auto m = JsonMatch(*c, env)) {
        p.json_matches.push_back(std::move(*m));
        taken = true;
      }
    }
    p.whole = p.whole && taken;
  }
  p.empty = (p.ids && p.ids->empty()) || (p.root_span_ids && p.root_span_ids->empty()) ||
            (p.created_min && p.created_max && *p.created_min >= *p.created_max) ||
            (p.xact_after && p.xact_max && *p.xact_after >= *p.xact_max) ||
            (p.xact_max && *p.xact_max < 0);
  return p;
}

void ApplyPushdown(const Pushdown& p, model::ScanRequest& scan) {
  if (p.created_min) {
    scan.created_min =
        scan.created_min ? std::max(*scan.created_min, *p.created_min) : *p.created_min;
  }
  if (p.created_max) {
    scan.created_max =
        scan.created_max ? std::min(*scan.created_max, *p.created_max) : *p.created_max;
  }
  if (p.xact_max && *p.xact_max >= 0) {
    auto m = static_cast<uint64_t>(*p.xact_max);
    scan.max_xact_id = scan.max_xact_id ? std::min(*scan.max_xact_id, m) : m;
  }
  if (p.xact_after && *p.xact_after >= 0 && scan.order == model::ScanOrder::kXactAscending) {
    model::XactCursor c{static_cast<uint64_t>(*p.xact_after), INT64_MAX};
    if (!scan.after || *scan.after < c) scan.after = c;
  }
  if (p.ids) scan.ids = *p.ids;
  if (p.root_span_ids) scan.root_span_ids = *p.root_span_ids;
  scan.json_matches.insert(scan.json_matches.end(), p.json_matches.begin(), p.json_matches.end());
}

}  // namespace sluice::query
