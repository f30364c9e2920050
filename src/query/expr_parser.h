// ExprParser: the token cursor and expression grammar shared by both query syntaxes (an
// internal header of src/query/; parser.cc builds the clause grammars on it). Precedence,
// loosest first: or, and, not, comparison / is / in / like / includes, + -, * /, unary minus.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "query/ast.h"
#include "query/lexer.h"

namespace sluice::query {

// Deepest expression nesting accepted (parentheses, operators, chains), so evaluation and
// destruction stay well inside the stack.
inline constexpr int kMaxExprDepth = 200;

std::string Lower(std::string_view s);
// True when t is the identifier `word` (case-insensitive; word in lower case).
bool IsWord(const Token& t, std::string_view word);
// Words that end an expression or a select item in either syntax.
bool IsReserved(const Token& t);
// kInvalidArgument "<msg> at <line:col>[; <hint>]".
Status ErrorAt(Pos pos, const std::string& msg, const std::string& hint = "");

// Not thread-safe; one per parse.
class ExprParser {
 public:
  // REQUIRES: tokens end with one kEnd (as Lex returns them).
  explicit ExprParser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  Result<ExprPtr> ParseExpr() { return ParseOr(); }
  // An operand of a comparison (no and/or/not/comparison at its top).
  Result<ExprPtr> ParseAdditive();

 protected:
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

  Status Expected(const std::string& what, const std::string& hint = "") const {
    return ErrorAt(Cur().pos, "expected " + what + " but found " + Describe(Cur()), hint);
  }
  Status Expect(Tok type, const std::string& what) {
    if (!Accept(type)) return Expected(what);
    return Status::Ok();
  }

  static Result<Value> NumberValue(const Token& t);

  std::vector<Token> t_;
  size_t i_ = 0;

 private:
  static ExprPtr MakeBinary(Op op, Pos pos, ExprPtr a, ExprPtr b);
  // Counts one level of nesting; fails past kMaxExprDepth.
  Status Enter(Pos pos);
  Result<ExprPtr> ParseOr();
  Result<ExprPtr> ParseAnd();
  Result<ExprPtr> ParseNot();
  static bool ComparisonOp(Tok t, Op* op);
  Result<ExprPtr> ParseComparison();
  Result<ExprPtr> ParseIsNull(ExprPtr left);
  Result<ExprPtr> ParseIn(ExprPtr left, bool negated, Pos pos);
  Result<ExprPtr> ParseMultiplicative();
  Result<ExprPtr> ParseUnary();
  static ExprPtr Literal(Value v, Pos pos);
  Result<ExprPtr> ParsePrimary();
  Result<ExprPtr> ParseWordPrimary();
  Result<ExprPtr> ParseInterval();
  static Result<int64_t> IntervalUnitMicros(const std::string& unit, Pos pos);
  Result<ExprPtr> ParseCall();
  Result<ExprPtr> ParseField();

  int depth_ = 0;
};

}  // namespace sluice::query
