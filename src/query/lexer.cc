#include "query/lexer.h"

#include <cctype>
#include <cstdio>

namespace sluice::query {

std::string PosString(Pos pos) { return std::to_string(pos.line) + ":" + std::to_string(pos.col); }

namespace {

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> out;
    while (true) {
      SLUICE_RETURN_IF_ERROR(SkipSpaceAndComments());
      Token t;
      t.pos = pos_;
      if (i_ >= text_.size()) {
        out.push_back(std::move(t));
        return out;
      }
      SLUICE_RETURN_IF_ERROR(Next(&t));
      out.push_back(std::move(t));
    }
  }

 private:
  char Peek(size_t ahead = 0) const { return i_ + ahead < text_.size() ? text_[i_ + ahead] : '\0'; }

  // Advances one byte, keeping line and column (columns count characters, not UTF-8 bytes).
  void Advance() {
    char c = text_[i_++];
    if (c == '\n') {
      ++pos_.line;
      pos_.col = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++pos_.col;
    }
  }

  Status Error(Pos at, const std::string& msg) {
    return InvalidArgumentError(msg + " at " + PosString(at));
  }

  Status SkipSpaceAndComments() {
    while (i_ < text_.size()) {
      char c = Peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        Advance();
      } else if (c == '-' && Peek(1) == '-') {
        while (i_ < text_.size() && Peek() != '\n') Advance();
      } else if (c == '/' && Peek(1) == '*') {
        Pos start = pos_;
        Advance();
        Advance();
        while (i_ < text_.size() && !(Peek() == '*' && Peek(1) == '/')) Advance();
        if (i_ >= text_.size()) return Error(start, "unterminated comment starting");
        Advance();
        Advance();
      } else {
        break;
      }
    }
    return Status::Ok();
  }

  static bool IsIdentStart(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$';
  }
  static bool IsIdentChar(char c) {
    return IsIdentStart(c) || std::isdigit(static_cast<unsigned char>(c));
  }

  Status Next(Token* t) {
    char c = Peek();
    if (IsIdentStart(c)) {
      size_t start = i_;
      while (i_ < text_.size() && IsIdentChar(Peek())) Advance();
      t->type = Tok::kIdent;
      t->text = std::string(text_.substr(start, i_ - start));
      return Status::Ok();
    }
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && std::isdigit(static_cast<unsigned char>(Peek(1))))) {
      return Number(t);
    }
    if (c == '\'') return String(t);
    if (c == '"' || c == '`') return QuotedIdent(t, c);
    return Punct(t);
  }

  Status Number(Token* t) {
    size_t start = i_;
    while (std::isdigit(static_cast<unsigned char>(Peek()))) Advance();
    if (Peek() == '.' && std::isdigit(static_cast<unsigned char>(Peek(1)))) {
      Advance();
      while (std::isdigit(static_cast<unsigned char>(Peek()))) Advance();
    }
    if ((Peek() == 'e' || Peek() == 'E') && (std::isdigit(static_cast<unsigned char>(Peek(1))) ||
                                             ((Peek(1) == '+' || Peek(1) == '-') &&
                                              std::isdigit(static_cast<unsigned char>(Peek(2)))))) {
      Advance();
      Advance();
      while (std::isdigit(static_cast<unsigned char>(Peek()))) Advance();
    }
    if (IsIdentStart(Peek())) {
      return Error(pos_, "unexpected '" + std::string(1, Peek()) + "' after a number");
    }
    t->type = Tok::kNumber;
    t->text = std::string(text_.substr(start, i_ - start));
    return Status::Ok();
  }

  static void AppendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // After a backslash: decodes one escape into out.
  Status Escape(std::string& out) {
    Pos at = pos_;
    char e = Peek();
    if (i_ >= text_.size()) return Error(at, "unterminated string literal");
    Advance();
    switch (e) {
      case 'n': out += '\n'; return Status::Ok();
      case 't': out += '\t'; return Status::Ok();
      case 'r': out += '\r'; return Status::Ok();
      case '0': out += '\0'; return Status::Ok();
      case 'u': break;
      default: out += e; return Status::Ok();
    }
    uint32_t cp = 0;
    for (int k = 0; k < 4; ++k) {
      char h = Peek();
      if (!std::isxdigit(static_cast<unsigned char>(h))) {
        return Error(at, "\\u needs four hex digits");
      }
      cp = cp * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(h))
                                               ? h - '0'
                                               : std::tolower(h) - 'a' + 10);
      Advance();
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) return Error(at, "\\u escape of a lone surrogate");
    AppendUtf8(out, cp);
    return Status::Ok();
  }

  Status String(Token* t) {
    Pos start = pos_;
    Advance();
    std::string out;
    while (true) {
      if (i_ >= text_.size()) return Error(start, "unterminated string literal starting");
      char c = Peek();
      Advance();
      if (c == '\'') {
        if (Peek() != '\'') break;
        Advance();
        out += '\'';
      } else if (c == '\\') {
        SLUICE_RETURN_IF_ERROR(Escape(out));
      } else {
        out += c;
      }
    }
    t->type = Tok::kString;
    t->text = std::move(out);
    return Status::Ok();
  }

  Status QuotedIdent(Token* t, char quote) {
    Pos start = pos_;
    Advance();
    std::string out;
    while (true) {
      if (i_ >= text_.size()) return Error(start, "unterminated quoted identifier starting");
      char c = Peek();
      Advance();
      if (c == quote) {
        if (Peek() != quote) break;
        Advance();
      }
      out += c;
    }
    if (out.empty()) return Error(start, "empty quoted identifier");
    t->type = Tok::kQuotedIdent;
    t->text = std::move(out);
    return Status::Ok();
  }

  Status Punct(Token* t) {
    struct P {
      const char* text;
      Tok type;
    };
    static constexpr P kPuncts[] = {
        {"=>", Tok::kArrow},   {"!=", Tok::kNe},       {"<>", Tok::kNe},    {"<=", Tok::kLe},
        {">=", Tok::kGe},      {"==", Tok::kEq},       {"(", Tok::kLParen}, {")", Tok::kRParen},
        {"[", Tok::kLBracket}, {"]", Tok::kRBracket},  {",", Tok::kComma},  {".", Tok::kDot},
        {":", Tok::kColon},    {"|", Tok::kPipe},      {"*", Tok::kStar},   {"+", Tok::kPlus},
        {"-", Tok::kMinus},    {"/", Tok::kSlash},     {"=", Tok::kEq},     {"<", Tok::kLt},
        {">", Tok::kGt},       {";", Tok::kSemicolon},
    };
    for (const P& p : kPuncts) {
      std::string_view s(p.text);
      if (text_.substr(i_, s.size()) == s) {
        t->type = p.type;
        t->text = std::string(s);
        for (size_t k = 0; k < s.size(); ++k) Advance();
        return Status::Ok();
      }
    }
    unsigned char c = static_cast<unsigned char>(Peek());
    std::string shown;
    if (c >= 0x20 && c < 0x7F) {
      shown = "'" + std::string(1, static_cast<char>(c)) + "'";
    } else {
      char buf[16];
      std::snprintf(buf, sizeof buf, "byte 0x%02X", c);
      shown = buf;
    }
    return Error(pos_, "unexpected character " + shown);
  }

  std::string_view text_;
  size_t i_ = 0;
  Pos pos_;
};

}  // namespace

Result<std::vector<Token>> Lex(std::string_view text) {
  if (text.size() > kMaxQueryBytes) {
    return InvalidArgumentError("query is longer than " + std::to_string(kMaxQueryBytes) +
                                " bytes");
  }
  return Lexer(text).Run();
}

std::string Describe(const Token& t) {
  switch (t.type) {
    case Tok::kEnd: return "end of query";
    case Tok::kString: return "string '" + t.text.substr(0, 40) + "'";
    case Tok::kQuotedIdent: return "\"" + t.text.substr(0, 40) + "\"";
    default: return "'" + t.text.substr(0, 40) + "'";
  }
}

}  // namespace sluice::query
