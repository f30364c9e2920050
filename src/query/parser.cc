#include "query/parser.h"

#include <algorithm>

#include "query/expr_parser.h"
#include "query/lexer.h"
#include "query/names.h"

namespace sluice::query {
namespace {

class Parser : public ExprParser {
 public:
  explicit Parser(std::vector<Token> tokens) : ExprParser(std::move(tokens)) {}

  Result<Query> Parse() {
    const Token& first = t_[0];
    bool sql = (IsWord(first, "select") || IsWord(first, "with")) && t_[1].type != Tok::kColon;
    Query q;
    q.sql = sql;
    SLUICE_RETURN_IF_ERROR(sql ? ParseSql(q) : ParseBtql(q));
    return q;
  }

 private:
  // ---- clauses shared by both syntaxes ----

  Result<SelectItem> ParseItem() {
    SelectItem item;
    item.pos = Cur().pos;
    SLUICE_ASSIGN_OR_RETURN(item.expr, ParseExpr());
    bool explicit_as = AcceptWord("as");
    bool implicit =
        !explicit_as && At(Tok::kIdent) && !IsReserved(Cur()) && Ahead(1).type != Tok::kColon;
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
};

constexpr std::string_view kClauses[] = {"select", "from",   "filter",     "sort",
                                         "limit",  "cursor", "dimensions", "measures"};

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
      return ErrorAt(group[g]->pos,
                     "GROUP BY item '" + ExprToString(*group[g]) + "' must also be selected");
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
