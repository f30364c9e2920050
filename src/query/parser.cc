#include "query/parser.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "common/time_util.h"
#include "query/lexer.h"
#include "query/names.h"

namespace sluice::query {
namespace {

// Deepest expression nesting accepted (parentheses, operators, chains), so evaluation and
// destruction stay well inside the stack.
constexpr int kMaxDepth = 200;

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
      "from", "where", "group", "order", "limit", "as", "and", "or", "not", "is", "in",
      "like", "ilike", "includes", "asc", "desc", "by", "select", "with", "null", "true",
      "false", "interval", "timestamp", "traces", "spans"};
  if (t.type != Tok::kIdent) return false;
  std::string w = Lower(t.text);
  return std::find(std::begin(kWords), std::end(kWords), w) != std::end(kWords);
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  Result<Query> Parse() {
    const Token& first = t_[0];
    bool sql = (IsWord(first, "select") || IsWord(first, "with")) && t_[1].type != Tok::kColon;
    Query q;
    q.sql = sql;
    SLUICE_RETURN_IF_ERROR(sql ? ParseSql(q) : ParseBtql(q));
    return q;
  }

 private:
  const Token& Cur() const { return t_[i_]; }
  const Token& Ahead(size_t n) const { return t_[std::min(i_ + n, t_.size() - 1)]; }
  const Token& Take() { return t_[i_ < t_.size() - 1 ? i_++ : i_]; }
  bool At(Tok type) const { return Cur().type == type; }
  bool AtWord(std::string_view w) const { return IsWord(Cur(), w); }
  bool AcceptWord(std::string_view w) {
    if (!AtWord(w)) return false;
    ++i_;
    return true;
  }
  bool Accept(Tok type) {
    if (!At(type)) return false;
    Take();
    return true;
  }

  static Status ErrorAt(Pos pos, const std::string& msg, const std::string& hint = "") {
    std::string m = msg + " at " + PosString(pos);
    if (!hint.empty()) m += "; " + hint;
    return InvalidArgumentError(std::move(m));
  }
  Status Expected(const std::string& what, const std::string& hint = "") const {
    return ErrorAt(Cur().pos, "expected " + what + " but found " + Describe(Cur()), hint);
  }
  Status Expect(Tok type, const std::string& what) {
    if (!Accept(type)) return Expected(what);
    return Status::Ok();
  }

  // ---- expressions ----

  Result<ExprPtr> ParseExpr() { return ParseOr(); }

  static ExprPtr MakeBinary(Op op, Pos pos, ExprPtr a, ExprPtr b) {
    auto e = std::make_unique<Expr>();
    e->kind = ExprKind::kBinary;
    e->op = op;
    e->pos = pos;
    e->args.push_back(std::move(a));
    e->args.push_back(std::move(b));
    return e;
  }

  // Counts one level of nesting; fails past kMaxDepth.
  Status Enter(Pos pos) {
    if (++depth_ > kMaxDepth) return ErrorAt(pos, "expression nested too deeply");
    return Status::Ok();
  }

  Result<ExprPtr> ParseOr() {
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

  Result<ExprPtr> ParseAnd() {
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

  Result<ExprPtr> ParseNot() {
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

  static bool ComparisonOp(Tok t, Op* op) {
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

  Result<ExprPtr> ParseComparison() {
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

  Result<ExprPtr> ParseIsNull(ExprPtr left) {
    auto e = std::make_unique<Expr>();
    e->kind = ExprKind::kIsNull;
    e->pos = Take().pos;
    e->negated = AcceptWord("not");
    if (!AcceptWord("null")) return Expected("'null' after 'is'");
    e->args.push_back(std::move(left));
    return e;
  }

  Result<ExprPtr> ParseIn(ExprPtr left, bool negated, Pos pos) {
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

  Result<ExprPtr> ParseAdditive() {
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

  Result<ExprPtr> ParseMultiplicative() {
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

  Result<ExprPtr> ParseUnary() {
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

  static ExprPtr Literal(Value v, Pos pos) {
    auto e = std::make_unique<Expr>();
    e->kind = ExprKind::kLiteral;
    e->literal = std::move(v);
    e->pos = pos;
    return e;
  }

  Result<Value> NumberValue(const Token& t) {
    const std::string& s = t.text;
    if (s.find_first_of(".eE") == std::string::npos) {
      errno = 0;
      long long v = std::strtoll(s.c_str(), nullptr, 10);
      if (errno == 0) return Value::Int(v);
    }
    return Value::Double(std::strtod(s.c_str(), nullptr));
  }

  Result<ExprPtr> ParsePrimary() {
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

  Result<ExprPtr> ParseWordPrimary() {
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

  Result<ExprPtr> ParseInterval() {
    Pos pos = Take().pos;
    std::string amount;
    std::string unit_text;
    Pos unit_pos = Cur().pos;
    if (At(Tok::kString)) {  // interval '1 day'
      std::string s = Take().text;
      size_t sp = s.find(' ');
      if (sp == std::string::npos) return ErrorAt(unit_pos, "expected '<number> <unit>'");
      amount = s.substr(0, sp);
      unit_text = s.substr(s.find_first_not_of(' ', sp) == std::string::npos
                               ? s.size()
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
    return Literal(Value::Interval(static_cast<int64_t>(n * static_cast<double>(unit))), pos);
  }

  static Result<int64_t> IntervalUnitMicros(const std::string& unit, Pos pos) {
    static constexpr std::pair<std::string_view, int64_t> kUnits[] = {
        {"microsecond", 1},            {"second", 1'000'000},         {"minute", 60'000'000},
        {"hour", 3'600'000'000},       {"day", 86'400'000'000},
        {"week", 604'800'000'000}};
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

  Result<ExprPtr> ParseCall() {
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

  Result<ExprPtr> ParseField() {
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

  // ---- clauses shared by both syntaxes ----

  Result<SelectItem> ParseItem() {
    SelectItem item;
    item.pos = Cur().pos;
    SLUICE_ASSIGN_OR_RETURN(item.expr, ParseExpr());
    bool explicit_as = AcceptWord("as");
    bool implicit = !explicit_as && At(Tok::kIdent) && !IsReserved(Cur()) &&
                    Ahead(1).type != Tok::kColon;
    if (explicit_as || implicit || At(Tok::kQuotedIdent)) {
      if (!At(Tok::kIdent) && !At(Tok::kQuotedIdent) && !At(Tok::kString)) {
        return Expected("a name after 'as'");
      }
      item.alias = Take().text;
    }
    return item;
  }

  Result<std::vector<SelectItem>> ParseItems() {
    std::vector<SelectItem> items;
    do {
      SLUICE_ASSIGN_OR_RETURN(SelectItem item, ParseItem());
      items.push_back(std::move(item));
    } while (Accept(Tok::kComma));
    return items;
  }

  Status ParseSelectList(Query& q) {
    if (Accept(Tok::kStar)) {
      q.select_star = true;
      return Status::Ok();
    }
    SLUICE_ASSIGN_OR_RETURN(q.select, ParseItems());
    return Status::Ok();
  }

  Result<std::vector<SortItem>> ParseSortItems() {
    std::vector<SortItem> items;
    do {
      SortItem s;
      s.pos = Cur().pos;
      SLUICE_ASSIGN_OR_RETURN(s.expr, ParseExpr());
      if (AcceptWord("desc")) {
        s.descending = true;
      } else {
        AcceptWord("asc");
      }
      items.push_back(std::move(s));
    } while (Accept(Tok::kComma));
    return items;
  }

  Status ParseLimit(Query& q) {
    Pos pos = Cur().pos;
    if (!At(Tok::kNumber)) return Expected("a whole number after limit");
    SLUICE_ASSIGN_OR_RETURN(Value v, NumberValue(Take()));
    if (v.kind != Value::Kind::kInt || v.i < 1) {
      return ErrorAt(pos, "limit must be a whole number of at least 1");
    }
    q.limit = v.i;
    return Status::Ok();
  }

  Status ParseShapeName(Query& q) {
    Pos pos = Cur().pos;
    std::string s = Lower(Take().text);
    if (s == "spans") {
      q.source.shape = Shape::kSpans;
    } else if (s == "traces") {
      q.source.shape = Shape::kTraces;
    } else {
      return ErrorAt(pos, "unknown shape '" + s + "'",
                     SuggestionHint(s, {"spans", "traces"}, "use 'spans' or 'traces'"));
    }
    return Status::Ok();
  }

  Status ParseSource(Query& q) {
    q.source.pos = Cur().pos;
    if (!At(Tok::kIdent)) return Expected("a source such as project_logs('<id>')");
    std::string name = Lower(Cur().text);
    auto type = model::ParseObjectType(name);
    if (!type.ok()) {
      return ErrorAt(Cur().pos, "unknown source '" + Cur().text + "'",
                     SuggestionHint(name, {"project_logs", "experiment", "dataset"},
                                    "use project_logs('<id>'), experiment('<id>') or "
                                    "dataset('<id>')"));
    }
    Take();
    q.source.object.type = *type;
    SLUICE_RETURN_IF_ERROR(Expect(Tok::kLParen, "'(' after " + name));
    if (!At(Tok::kString) || Cur().text.empty()) return Expected("the object id as a string");
    q.source.object.id = Take().text;
    if (Accept(Tok::kComma)) {
      if (!AtWord("shape") || Ahead(1).type != Tok::kArrow) return Expected("shape => '...'");
      Take();
      Take();
      if (!At(Tok::kString)) return Expected("'spans' or 'traces'");
      SLUICE_RETURN_IF_ERROR(ParseShapeName(q));
    }
    SLUICE_RETURN_IF_ERROR(Expect(Tok::kRParen, "')'"));
    if (AtWord("spans") || AtWord("traces")) SLUICE_RETURN_IF_ERROR(ParseShapeName(q));
    return Status::Ok();
  }

  // ---- BTQL ----

  bool AtClauseHeader() const { return At(Tok::kIdent) && Ahead(1).type == Tok::kColon; }

  Status ParseBtql(Query& q);
  Status ParseBtqlClause(Query& q, const std::string& name, Pos pos);

  // ---- SQL ----

  Status ParseSql(Query& q);
  Status SqlGroupBy(Query& q, std::vector<ExprPtr> group);

  std::vector<Token> t_;
  size_t i_ = 0;
  int depth_ = 0;
};

constexpr std::string_view kClauses[] = {"select",  "from",   "filter",     "sort",
                                         "limit",   "cursor", "dimensions", "measures"};

Status Parser::ParseBtqlClause(Query& q, const std::string& name, Pos pos) {
  if (name == "select") return ParseSelectList(q);
  if (name == "from") return ParseSource(q);
  if (name == "filter") {
    SLUICE_ASSIGN_OR_RETURN(q.filter, ParseExpr());
    return Status::Ok();
  }
  if (name == "sort") {
    SLUICE_ASSIGN_OR_RETURN(q.sort, ParseSortItems());
    return Status::Ok();
  }
  if (name == "limit") return ParseLimit(q);
  if (name == "cursor") {
    if (!At(Tok::kString)) return Expected("the cursor as a quoted string");
    q.cursor = Take().text;
    return Status::Ok();
  }
  if (name == "dimensions") {
    SLUICE_ASSIGN_OR_RETURN(q.dimensions, ParseItems());
    return Status::Ok();
  }
  if (name == "measures") {
    SLUICE_ASSIGN_OR_RETURN(q.measures, ParseItems());
    return Status::Ok();
  }
  std::vector<std::string> names(std::begin(kClauses), std::end(kClauses));
  return ErrorAt(pos, "unknown clause '" + name + ":'",
                 SuggestionHint(name, names,
                                "clauses are select, from, filter, sort, limit, cursor, "
                                "dimensions and measures"));
}

Status Parser::ParseBtql(Query& q) {
  std::vector<std::string> seen;
  bool has_from = false;
  while (!At(Tok::kEnd)) {
    if (Accept(Tok::kPipe)) continue;
    if (!AtClauseHeader()) return Expected("a clause such as 'select:' or 'from:'");
    Pos pos = Cur().pos;
    std::string name = Lower(Take().text);
    Take();  // :
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return ErrorAt(pos, "clause '" + name + ":' appears twice");
    }
    seen.push_back(name);
    SLUICE_RETURN_IF_ERROR(ParseBtqlClause(q, name, pos));
    has_from = has_from || name == "from";
    if (!At(Tok::kEnd) && !At(Tok::kPipe) && !AtClauseHeader()) {
      return Expected("'|' or the next clause");
    }
  }
  if (!has_from) {
    return ErrorAt(Cur().pos, "query has no from clause",
                   "add 'from: project_logs('<id>')' (or experiment/dataset)");
  }
  bool has_select = std::find(seen.begin(), seen.end(), "select") != seen.end();
  if (!has_select && !q.aggregating()) q.select_star = true;
  return Status::Ok();
}

Status Parser::ParseSql(Query& q) {
  if (AtWord("with")) {
    return ErrorAt(Cur().pos, "WITH is not supported",
                   "write the query as one SELECT without common table expressions");
  }
  Take();  // SELECT
  SLUICE_RETURN_IF_ERROR(ParseSelectList(q));
  if (!AcceptWord("from")) return Expected("FROM");
  SLUICE_RETURN_IF_ERROR(ParseSource(q));
  if (AcceptWord("where")) {
    SLUICE_ASSIGN_OR_RETURN(q.filter, ParseExpr());
  }
  std::vector<ExprPtr> group;
  if (AtWord("group")) {
    Take();
    if (!AcceptWord("by")) return Expected("BY after GROUP");
    do {
      SLUICE_ASSIGN_OR_RETURN(ExprPtr g, ParseExpr());
      group.push_back(std::move(g));
    } while (Accept(Tok::kComma));
  }
  if (AtWord("order")) {
    Take();
    if (!AcceptWord("by")) return Expected("BY after ORDER");
    SLUICE_ASSIGN_OR_RETURN(q.sort, ParseSortItems());
  }
  if (AcceptWord("limit")) SLUICE_RETURN_IF_ERROR(ParseLimit(q));
  Accept(Tok::kSemicolon);
  if (!At(Tok::kEnd)) return Expected("end of query");
  return SqlGroupBy(q, std::move(group));
}

// Splits the select list into dimensions and measures when the query groups or aggregates.
Status Parser::SqlGroupBy(Query& q, std::vector<ExprPtr> group) {
  bool any_agg = false;
  for (const SelectItem& item : q.select) any_agg = any_agg || ContainsAggregate(*item.expr);
  if (group.empty() && !any_agg) return Status::Ok();
  if (q.select_star) {
    return ErrorAt(q.source.pos, "SELECT * cannot be combined with GROUP BY or aggregates");
  }
  std::vector<bool> used(group.size(), false);
  for (SelectItem& item : q.select) {
    if (ContainsAggregate(*item.expr)) {
      q.measures.push_back(std::move(item));
      continue;
    }
    std::string text = ExprToString(*item.expr);
    bool found = false;
    for (size_t g = 0; g < group.size(); ++g) {
      const Expr& ge = *group[g];
      bool alias_match = ge.kind == ExprKind::kField && ge.path.size() == 1 &&
                         !item.alias.empty() && ge.path[0] == item.alias;
      if (ExprToString(ge) == text || alias_match) found = used[g] = true;
    }
    if (!found) {
      return ErrorAt(item.pos, "'" + text + "' must appear in GROUP BY or inside an aggregate");
    }
    q.dimensions.push_back(std::move(item));
  }
  for (size_t g = 0; g < group.size(); ++g) {
    if (!used[g]) {
      return ErrorAt(group[g]->pos, "GROUP BY item '" + ExprToString(*group[g]) +
                                        "' must also be selected");
    }
  }
  q.select.clear();
  return Status::Ok();
}

}  // namespace

Result<Query> ParseQuerySyntax(std::string_view text) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<Token> tokens, Lex(text));
  if (tokens.size() == 1) return InvalidArgumentError("query is empty at 1:1");
  return Parser(std::move(tokens)).Parse();
}

Result<Query> ParseQuery(std::string_view text) {
  SLUICE_ASSIGN_OR_RETURN(Query q, ParseQuerySyntax(text));
  SLUICE_RETURN_IF_ERROR(BindQuery(q));
  return q;
}

}  // namespace sluice::query
