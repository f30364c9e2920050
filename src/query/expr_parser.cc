#include "query/expr_parser.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "common/time_util.h"
#include "query/names.h"

namespace sluice::query {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsWord(const Token& t, std::string_view word) {
  return t.type == Tok::kIdent && Lower(t.text) == word;
}

// Words that end an expression or a select item in either syntax.
bool IsReserved(const Token& t) {
  static constexpr std::string_view kWords[] = {
      "from", "where", "group", "order", "limit",    "as",        "and",    "or",   "not",
      "is",   "in",    "like",  "ilike", "includes", "asc",       "desc",   "by",   "select",
      "with", "null",  "true",  "false", "interval", "timestamp", "traces", "spans"};
  if (t.type != Tok::kIdent) return false;
  std::string w = Lower(t.text);
  return std::find(std::begin(kWords), std::end(kWords), w) != std::end(kWords);
}

Status ErrorAt(Pos pos, const std::string& msg, const std::string& hint) {
  std::string m = msg + " at " + PosString(pos);
  if (!hint.empty()) m += "; " + hint;
  return InvalidArgumentError(std::move(m));
}

ExprPtr ExprParser::MakeBinary(Op op, Pos pos, ExprPtr a, ExprPtr b) {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kBinary;
  e->op = op;
  e->pos = pos;
  e->args.push_back(std::move(a));
  e->args.push_back(std::move(b));
  return e;
}

Status ExprParser::Enter(Pos pos) {
  if (++depth_ > kMaxExprDepth) return ErrorAt(pos, "expression nested too deeply");
  return Status::Ok();
}

Result<ExprPtr> ExprParser::ParseOr() {
  SLUICE_ASSIGN_OR_RETURN(ExprPtr left, ParseAnd());
  int entered = 0;
  while (AtWord("or")) {
    Pos pos = Take().pos;
    SLUICE_RETURN_IF_ERROR(Enter(pos));
    ++entered;
    SLUICE_ASSIGN_OR_RETURN(ExprPtr right, ParseAnd());
    left = MakeBinary(Op::kOr, pos, std::move(left), std::move(right));
  }
  depth_ -= entered;
  return left;
}

Result<ExprPtr> ExprParser::ParseAnd() {
  SLUICE_ASSIGN_OR_RETURN(ExprPtr left, ParseNot());
  int entered = 0;
  while (AtWord("and")) {
    Pos pos = Take().pos;
    SLUICE_RETURN_IF_ERROR(Enter(pos));
    ++entered;
    SLUICE_ASSIGN_OR_RETURN(ExprPtr right, ParseNot());
    left = MakeBinary(Op::kAnd, pos, std::move(left), std::move(right));
  }
  depth_ -= entered;
  return left;
}

Result<ExprPtr> ExprParser::ParseNot() {
  if (!AtWord("not")) return ParseComparison();
  Pos pos = Take().pos;
  SLUICE_RETURN_IF_ERROR(Enter(pos));
  SLUICE_ASSIGN_OR_RETURN(ExprPtr inner, ParseNot());
  --depth_;
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kUnary;
  e->op = Op::kNot;
  e->pos = pos;
  e->args.push_back(std::move(inner));
  return e;
}

bool ExprParser::ComparisonOp(Tok t, Op* op) {
  switch (t) {
    case Tok::kEq: *op = Op::kEq; return true;
    case Tok::kNe: *op = Op::kNe; return true;
    case Tok::kLt: *op = Op::kLt; return true;
    case Tok::kLe: *op = Op::kLe; return true;
    case Tok::kGt: *op = Op::kGt; return true;
    case Tok::kGe: *op = Op::kGe; return true;
    default: return false;
  }
}

Result<ExprPtr> ExprParser::ParseComparison() {
  SLUICE_ASSIGN_OR_RETURN(ExprPtr left, ParseAdditive());
  Op op;
  if (ComparisonOp(Cur().type, &op)) {
    Pos pos = Take().pos;
    SLUICE_ASSIGN_OR_RETURN(ExprPtr right, ParseAdditive());
    return MakeBinary(op, pos, std::move(left), std::move(right));
  }
  if (AtWord("is")) return ParseIsNull(std::move(left));
  bool negated = false;
  Pos pos = Cur().pos;
  if (AtWord("not") && (IsWord(Ahead(1), "in") || IsWord(Ahead(1), "like") ||
                        IsWord(Ahead(1), "ilike") || IsWord(Ahead(1), "includes"))) {
    Take();
    negated = true;
  }
  if (AtWord("in")) return ParseIn(std::move(left), negated, pos);
  if (AtWord("like") || AtWord("ilike") || AtWord("includes")) {
    auto e = std::make_unique<Expr>();
    e->kind = AtWord("includes") ? ExprKind::kIncludes : ExprKind::kLike;
    e->case_insensitive = AtWord("ilike");
    e->negated = negated;
    e->pos = pos;
    Take();
    SLUICE_ASSIGN_OR_RETURN(ExprPtr right, ParseAdditive());
    e->args.push_back(std::move(left));
    e->args.push_back(std::move(right));
    return e;
  }
  return left;
}

Result<ExprPtr> ExprParser::ParseIsNull(ExprPtr left) {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kIsNull;
  e->pos = Take().pos;
  e->negated = AcceptWord("not");
  if (!AcceptWord("null")) return Expected("'null' after 'is'");
  e->args.push_back(std::move(left));
  return e;
}

Result<ExprPtr> ExprParser::ParseIn(ExprPtr left, bool negated, Pos pos) {
  Take();
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kIn;
  e->negated = negated;
  e->pos = pos;
  e->args.push_back(std::move(left));
  SLUICE_RETURN_IF_ERROR(Expect(Tok::kLParen, "'(' after 'in'"));
  do {
    SLUICE_ASSIGN_OR_RETURN(ExprPtr item, ParseAdditive());
    e->args.push_back(std::move(item));
  } while (Accept(Tok::kComma));
  SLUICE_RETURN_IF_ERROR(Expect(Tok::kRParen, "',' or ')' in the 'in' list"));
  return e;
}

Result<ExprPtr> ExprParser::ParseAdditive() {
  SLUICE_ASSIGN_OR_RETURN(ExprPtr left, ParseMultiplicative());
  int entered = 0;
  while (At(Tok::kPlus) || At(Tok::kMinus)) {
    Op op = At(Tok::kPlus) ? Op::kAdd : Op::kSub;
    Pos pos = Take().pos;
    SLUICE_RETURN_IF_ERROR(Enter(pos));
    ++entered;
    SLUICE_ASSIGN_OR_RETURN(ExprPtr right, ParseMultiplicative());
    left = MakeBinary(op, pos, std::move(left), std::move(right));
  }
  depth_ -= entered;
  return left;
}

Result<ExprPtr> ExprParser::ParseMultiplicative() {
  SLUICE_ASSIGN_OR_RETURN(ExprPtr left, ParseUnary());
  int entered = 0;
  while (At(Tok::kStar) || At(Tok::kSlash)) {
    Op op = At(Tok::kStar) ? Op::kMul : Op::kDiv;
    Pos pos = Take().pos;
    SLUICE_RETURN_IF_ERROR(Enter(pos));
    ++entered;
    SLUICE_ASSIGN_OR_RETURN(ExprPtr right, ParseUnary());
    left = MakeBinary(op, pos, std::move(left), std::move(right));
  }
  depth_ -= entered;
  return left;
}

Result<ExprPtr> ExprParser::ParseUnary() {
  if (!At(Tok::kMinus) && !At(Tok::kPlus)) return ParsePrimary();
  bool neg = At(Tok::kMinus);
  Pos pos = Take().pos;
  SLUICE_RETURN_IF_ERROR(Enter(pos));
  SLUICE_ASSIGN_OR_RETURN(ExprPtr inner, ParseUnary());
  --depth_;
  if (!neg) return inner;
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kUnary;
  e->op = Op::kNeg;
  e->pos = pos;
  e->args.push_back(std::move(inner));
  return e;
}

ExprPtr ExprParser::Literal(Value v, Pos pos) {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kLiteral;
  e->literal = std::move(v);
  e->pos = pos;
  return e;
}

Result<Value> ExprParser::NumberValue(const Token& t) {
  const std::string& s = t.text;
  if (s.find_first_of(".eE") == std::string::npos) {
    errno = 0;
    long long v = std::strtoll(s.c_str(), nullptr, 10);
    if (errno == 0) return Value::Int(v);
  }
  return Value::Double(std::strtod(s.c_str(), nullptr));
}

Result<ExprPtr> ExprParser::ParsePrimary() {
  const Token& t = Cur();
  switch (t.type) {
    case Tok::kNumber: {
      SLUICE_ASSIGN_OR_RETURN(Value v, NumberValue(t));
      return Literal(std::move(v), Take().pos);
    }
    case Tok::kString: {
      Pos pos = t.pos;
      return Literal(Value::String(Take().text), pos);
    }
    case Tok::kLParen: {
      Pos pos = Take().pos;
      SLUICE_RETURN_IF_ERROR(Enter(pos));
      SLUICE_ASSIGN_OR_RETURN(ExprPtr inner, ParseExpr());
      --depth_;
      SLUICE_RETURN_IF_ERROR(Expect(Tok::kRParen, "')'"));
      return inner;
    }
    case Tok::kQuotedIdent: return ParseField();
    case Tok::kIdent: return ParseWordPrimary();
    default: return Expected("an expression");
  }
}

Result<ExprPtr> ExprParser::ParseWordPrimary() {
  const Token& t = Cur();
  std::string w = Lower(t.text);
  Pos pos = t.pos;
  if (w == "null" || w == "true" || w == "false") {
    Take();
    return Literal(w == "null" ? Value::Null() : Value::Bool(w == "true"), pos);
  }
  if (w == "interval") return ParseInterval();
  if (w == "timestamp" && Ahead(1).type == Tok::kString) {
    Take();
    const Token& s = Take();
    auto ts = ParseRfc3339(s.text);
    if (!ts.ok()) {
      return ErrorAt(s.pos, "'" + s.text + "' is not a timestamp",
                     "write RFC 3339 like '2024-05-01T12:00:00Z'");
    }
    return Literal(Value::Timestamp(*ts), pos);
  }
  if (Ahead(1).type == Tok::kLParen) return ParseCall();
  if (IsReserved(t)) return Expected("an expression");
  return ParseField();
}

Result<ExprPtr> ExprParser::ParseInterval() {
  Pos pos = Take().pos;
  std::string amount;
  std::string unit_text;
  Pos unit_pos = Cur().pos;
  if (At(Tok::kString)) {  // interval '1 day'
    std::string s = Take().text;
    size_t sp = s.find(' ');
    if (sp == std::string::npos) return ErrorAt(unit_pos, "expected '<number> <unit>'");
    amount = s.substr(0, sp);
    unit_text =
        s.substr(s.find_first_not_of(' ', sp) == std::string::npos ? s.size()
                                                                   : s.find_first_not_of(' ', sp));
  } else {
    bool neg = Accept(Tok::kMinus);
    if (!At(Tok::kNumber)) return Expected("a number after 'interval'");
    amount = (neg ? "-" : "") + Take().text;
    unit_pos = Cur().pos;
    if (!At(Tok::kIdent)) return Expected("a unit (second, minute, hour, day, week)");
    unit_text = Take().text;
  }
  char* end = nullptr;
  double n = std::strtod(amount.c_str(), &end);
  if (end == amount.c_str() || *end != '\0' || !(n > -1e12 && n < 1e12)) {
    return ErrorAt(pos, "invalid interval amount '" + amount + "'");
  }
  SLUICE_ASSIGN_OR_RETURN(int64_t unit, IntervalUnitMicros(Lower(unit_text), unit_pos));
  double micros = n * static_cast<double>(unit);
  if (!(micros > -9e18 && micros < 9e18)) return ErrorAt(pos, "interval is too long");
  return Literal(Value::Interval(static_cast<int64_t>(micros)), pos);
}

Result<int64_t> ExprParser::IntervalUnitMicros(const std::string& unit, Pos pos) {
  static constexpr std::pair<std::string_view, int64_t> kUnits[] = {
      {"microsecond", 1},      {"second", 1'000'000},   {"minute", 60'000'000},
      {"hour", 3'600'000'000}, {"day", 86'400'000'000}, {"week", 604'800'000'000}};
  std::string u = unit;
  if (u.size() > 1 && u.back() == 's') u.pop_back();
  std::vector<std::string> names;
  for (const auto& [name, micros] : kUnits) {
    if (u == name) return micros;
    names.emplace_back(name);
  }
  return ErrorAt(pos, "unknown interval unit '" + unit + "'",
                 SuggestionHint(unit, names, "use second, minute, hour, day or week"));
}

Result<ExprPtr> ExprParser::ParseCall() {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kCall;
  e->pos = Cur().pos;
  e->name = Lower(Take().text);
  Take();  // (
  SLUICE_RETURN_IF_ERROR(Enter(e->pos));
  if (At(Tok::kStar) && Ahead(1).type == Tok::kRParen) {
    Take();
    e->star = true;
  } else if (!At(Tok::kRParen)) {
    do {
      SLUICE_ASSIGN_OR_RETURN(ExprPtr arg, ParseExpr());
      e->args.push_back(std::move(arg));
    } while (Accept(Tok::kComma));
  }
  --depth_;
  SLUICE_RETURN_IF_ERROR(Expect(Tok::kRParen, "',' or ')' in the arguments of " + e->name));
  return e;
}

Result<ExprPtr> ExprParser::ParseField() {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kField;
  e->pos = Cur().pos;
  e->path.push_back(Take().text);
  while (true) {
    if (Accept(Tok::kDot)) {
      if (!At(Tok::kIdent) && !At(Tok::kQuotedIdent)) return Expected("a field name after '.'");
      e->path.push_back(Take().text);
    } else if (At(Tok::kLBracket)) {
      Take();
      if (!At(Tok::kString)) return Expected("a quoted key inside '[ ]'");
      e->path.push_back(Take().text);
      SLUICE_RETURN_IF_ERROR(Expect(Tok::kRBracket, "']'"));
    } else {
      break;
    }
  }
  return e;
}

}  // namespace sluice::query
