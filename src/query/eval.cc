#include "query/eval.h"

#include <cctype>

#include "common/time_util.h"

namespace sluice::query {
namespace {

using Kind = Value::Kind;

// A timestamp compared with a string reads the string as RFC 3339.
void Harmonize(Value& a, Value& b) {
  if (a.kind == Kind::kTimestamp && b.kind == Kind::kString) {
    auto t = ParseRfc3339(b.s);
    if (t.ok()) b = Value::Timestamp(*t);
  } else if (b.kind == Kind::kTimestamp && a.kind == Kind::kString) {
    auto t = ParseRfc3339(a.s);
    if (t.ok()) a = Value::Timestamp(*t);
  }
}

Value Compare(Op op, Value a, Value b) {
  Harmonize(a, b);
  if (op == Op::kEq || op == Op::kNe) {
    std::optional<bool> eq = EqualSql(a, b);
    if (!eq) return Value::Null();
    return Value::Bool(op == Op::kEq ? *eq : !*eq);
  }
  std::optional<int> c = CompareSql(a, b);
  if (!c) return Value::Null();
  switch (op) {
    case Op::kLt: return Value::Bool(*c < 0);
    case Op::kLe: return Value::Bool(*c <= 0);
    case Op::kGt: return Value::Bool(*c > 0);
    default: return Value::Bool(*c >= 0);
  }
}

Value IntOrDouble(Op op, int64_t x, int64_t y) {
  int64_t r = 0;
  bool overflow = false;
  switch (op) {
    case Op::kAdd: overflow = __builtin_add_overflow(x, y, &r); break;
    case Op::kSub: overflow = __builtin_sub_overflow(x, y, &r); break;
    default: overflow = __builtin_mul_overflow(x, y, &r); break;
  }
  if (!overflow) return Value::Int(r);
  double dx = static_cast<double>(x);
  double dy = static_cast<double>(y);
  return Value::Double(op == Op::kAdd ? dx + dy : (op == Op::kSub ? dx - dy : dx * dy));
}

Value TimeArithmetic(Op op, const Value& a, const Value& b) {
  int64_t r = 0;
  if (a.kind == Kind::kTimestamp && b.kind == Kind::kInterval && op != Op::kMul) {
    bool overflow = op == Op::kAdd ? __builtin_add_overflow(a.i, b.i, &r)
                                   : __builtin_sub_overflow(a.i, b.i, &r);
    return overflow ? Value::Null() : Value::Timestamp(r);
  }
  if (a.kind == Kind::kInterval && b.kind == Kind::kTimestamp && op == Op::kAdd) {
    return __builtin_add_overflow(a.i, b.i, &r) ? Value::Null() : Value::Timestamp(r);
  }
  if (a.kind == b.kind && (op == Op::kAdd || op == Op::kSub) &&
      (a.kind == Kind::kInterval || (a.kind == Kind::kTimestamp && op == Op::kSub))) {
    bool overflow = op == Op::kAdd ? __builtin_add_overflow(a.i, b.i, &r)
                                   : __builtin_sub_overflow(a.i, b.i, &r);
    return overflow ? Value::Null() : Value::Interval(r);
  }
  return Value::Null();
}

Value Arithmetic(Op op, const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return Value::Null();
  if (!a.is_number() || !b.is_number()) return TimeArithmetic(op, a, b);
  if (op == Op::kDiv) {
    double y = b.AsDouble();
    if (y == 0) return Value::Null();
    return Value::Double(a.AsDouble() / y);
  }
  if (a.kind == Kind::kInt && b.kind == Kind::kInt) return IntOrDouble(op, a.i, b.i);
  double x = a.AsDouble();
  double y = b.AsDouble();
  return Value::Double(op == Op::kAdd ? x + y : (op == Op::kSub ? x - y : x * y));
}

// Kleene logic over {true, false, null}; non-booleans count as null.
Value Logic(const Expr& e, RowView* row, const EvalEnv& env) {
  Value a = Eval(*e.args[0], row, env);
  bool is_and = e.op == Op::kAnd;
  if (a.kind == Kind::kBool && a.b != is_and) return Value::Bool(!is_and);  // short circuit
  Value b = Eval(*e.args[1], row, env);
  if (b.kind == Kind::kBool && b.b != is_and) return Value::Bool(!is_and);
  if (a.kind == Kind::kBool && b.kind == Kind::kBool) return Value::Bool(is_and);
  return Value::Null();
}

Value Binary(const Expr& e, RowView* row, const EvalEnv& env) {
  if (e.op == Op::kAnd || e.op == Op::kOr) return Logic(e, row, env);
  Value a = Eval(*e.args[0], row, env);
  Value b = Eval(*e.args[1], row, env);
  if (e.op <= Op::kGe) return Compare(e.op, std::move(a), std::move(b));
  return Arithmetic(e.op, a, b);
}

Value Unary(const Expr& e, RowView* row, const EvalEnv& env) {
  Value a = Eval(*e.args[0], row, env);
  if (e.op == Op::kNot) return a.kind == Kind::kBool ? Value::Bool(!a.b) : Value::Null();
  if (a.kind == Kind::kInt && a.i != INT64_MIN) return Value::Int(-a.i);
  if (a.kind == Kind::kInt || a.kind == Kind::kDouble) return Value::Double(-a.AsDouble());
  if (a.kind == Kind::kInterval && a.i != INT64_MIN) return Value::Interval(-a.i);
  return Value::Null();
}

Value In(const Expr& e, RowView* row, const EvalEnv& env) {
  Value a = Eval(*e.args[0], row, env);
  if (a.is_null()) return Value::Null();
  bool saw_null = false;
  for (size_t k = 1; k < e.args.size(); ++k) {
    Value b = Eval(*e.args[k], row, env);
    Harmonize(a, b);
    std::optional<bool> eq = EqualSql(a, b);
    if (!eq) {
      saw_null = true;
    } else if (*eq) {
      return Value::Bool(!e.negated);
    }
  }
  if (saw_null) return Value::Null();
  return Value::Bool(e.negated);
}

Value Like(const Expr& e, RowView* row, const EvalEnv& env) {
  Value a = Eval(*e.args[0], row, env);
  Value p = Eval(*e.args[1], row, env);
  if (a.kind != Kind::kString || p.kind != Kind::kString) return Value::Null();
  bool m = LikeMatch(a.s, p.s, e.case_insensitive);
  return Value::Bool(m != e.negated);
}

// Array contains (element equality); for a string, substring.
Value Includes(const Expr& e, RowView* row, const EvalEnv& env) {
  Value a = Eval(*e.args[0], row, env);
  Value b = Eval(*e.args[1], row, env);
  if (a.is_null() || b.is_null()) return Value::Null();
  bool found = false;
  if (a.kind == Kind::kArray) {
    for (const Value& item : *a.arr) {
      std::optional<bool> eq = EqualSql(item, b);
      if (eq && *eq) {
        found = true;
        break;
      }
    }
  } else if (a.kind == Kind::kString && b.kind == Kind::kString) {
    found = a.s.find(b.s) != std::string::npos;
  } else {
    return Value::Null();
  }
  return Value::Bool(found != e.negated);
}

int64_t Utf8Length(const std::string& s) {
  int64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

Value Call(const Expr& e, RowView* row, const EvalEnv& env) {
  if (e.agg_slot >= 0) {
    if (env.aggregates == nullptr || e.agg_slot >= static_cast<int>(env.aggregates->size())) {
      return Value::Null();
    }
    return (*env.aggregates)[e.agg_slot];
  }
  if (e.name == "now") return Value::Timestamp(env.now);
  if (e.name == "coalesce") {
    for (const ExprPtr& a : e.args) {
      Value v = Eval(*a, row, env);
      if (!v.is_null()) return v;
    }
    return Value::Null();
  }
  if (e.args.empty()) return Value::Null();
  Value a = Eval(*e.args[0], row, env);
  if (e.name == "len") {
    if (a.kind == Kind::kString) return Value::Int(Utf8Length(a.s));
    if (a.kind == Kind::kArray) return Value::Int(static_cast<int64_t>(a.arr->size()));
    return Value::Null();
  }
  if (a.kind != Kind::kString) return Value::Null();
  bool up = e.name == "upper";
  for (char& c : a.s) {
    c = static_cast<char>(up ? std::toupper(static_cast<unsigned char>(c))
                             : std::tolower(static_cast<unsigned char>(c)));
  }
  return a;
}

char Fold(char c, bool ci) {
  return ci ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

}  // namespace

bool LikeMatch(std::string_view text, std::string_view pattern, bool ci) {
  // Greedy match with one backtrack point for the last '%': O(len(text) * len(pattern)).
  size_t t = 0, p = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '%') {
      star_p = ++p;
      star_t = t;
      continue;
    }
    if (p < pattern.size()) {
      bool escaped = pattern[p] == '\\' && p + 1 < pattern.size();
      char pc = escaped ? pattern[p + 1] : pattern[p];
      if ((!escaped && pc == '_') || Fold(pc, ci) == Fold(text[t], ci)) {
        p += escaped ? 2 : 1;
        ++t;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

bool IsConstant(const Expr& e) {
  if (e.kind == ExprKind::kField) return false;
  if (e.kind == ExprKind::kCall && e.agg_slot >= 0) return false;
  for (const ExprPtr& a : e.args) {
    if (!IsConstant(*a)) return false;
  }
  return true;
}

Value Eval(const Expr& e, RowView* row, const EvalEnv& env) {
  switch (e.kind) {
    case ExprKind::kLiteral: return e.literal;
    case ExprKind::kField: return row ? row->Field(e) : Value::Null();
    case ExprKind::kUnary: return Unary(e, row, env);
    case ExprKind::kBinary: return Binary(e, row, env);
    case ExprKind::kIsNull: {
      bool null = Eval(*e.args[0], row, env).is_null();
      return Value::Bool(null != e.negated);
    }
    case ExprKind::kIn: return In(e, row, env);
    case ExprKind::kLike: return Like(e, row, env);
    case ExprKind::kIncludes: return Includes(e, row, env);
    case ExprKind::kCall: return Call(e, row, env);
  }
  return Value::Null();
}

}  // namespace sluice::query
