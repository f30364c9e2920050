// Tokenizer for both query syntaxes (DESIGN.md §4). Comments (`-- …` to the end of the line and
// `/* … */`) are skipped; string literals take SQL's doubled quote ('it''s') or a backslash escape
// ('it\'s', \n, \t, \\, \uXXXX); identifiers may be quoted with "…" or `…`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "query/ast.h"

namespace sluice::query {

enum class Tok {
  kEnd,
  kIdent,        // text: as written
  kQuotedIdent,  // text: unquoted
  kString,       // text: decoded
  kNumber,       // text: as written
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kDot,
  kColon,
  kPipe,
  kStar,
  kPlus,
  kMinus,
  kSlash,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kArrow,  // =>
  kSemicolon,
};

struct Token {
  Tok type = Tok::kEnd;
  std::string text;
  Pos pos;
};

// Longest query text accepted, in bytes.
inline constexpr size_t kMaxQueryBytes = 1 << 20;

// Splits text into tokens ending with one kEnd. kInvalidArgument with the position for an
// unterminated string, identifier or comment, or a character that starts no token.
Result<std::vector<Token>> Lex(std::string_view text);

// A short description of a token for error messages ("'select'", "end of query").
std::string Describe(const Token& t);

}  // namespace sluice::query
