#include "query/ast.h"

#include <cctype>
#include <string>

#include "common/time_util.h"

namespace sluice::query {
namespace {

const char* OpText(Op op) {
  switch (op) {
    case Op::kEq: return "=";
    case Op::kNe: return "!=";
    case Op::kLt: return "<";
    case Op::kLe: return "<=";
    case Op::kGt: return ">";
    case Op::kGe: return ">=";
    case Op::kAnd: return "and";
    case Op::kOr: return "or";
    case Op::kAdd: return "+";
    case Op::kSub: return "-";
    case Op::kMul: return "*";
    case Op::kDiv: return "/";
    case Op::kNot: return "not";
    case Op::kNeg: return "-";
  }
  return "?";
}

bool PlainName(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '$') return false;
  }
  return true;
}

// `text` between `quote`s, with the quote character doubled inside.
std::string Quote(const std::string& text, char quote) {
  std::string out(1, quote);
  for (char c : text) {
    out += c;
    if (c == quote) out += c;
  }
  return out + quote;
}

// A literal in the query syntax, so the canonical text parses back to the same value.
void AppendLiteral(const Value& v, std::string& out) {
  switch (v.kind) {
    case Value::Kind::kString: {
      std::string escaped;
      for (char c : v.s) escaped += c == '\\' ? std::string("\\\\") : std::string(1, c);
      out += Quote(escaped, '\'');
      break;
    }
    case Value::Kind::kTimestamp: out += "timestamp " + Quote(FormatRfc3339(v.i), '\''); break;
    case Value::Kind::kInterval: out += "interval " + std::to_string(v.i) + " microseconds"; break;
    default: out += v.ToJson(); break;
  }
}

void Append(const Expr& e, std::string& out) {
  switch (e.kind) {
    case ExprKind::kLiteral: AppendLiteral(e.literal, out); break;
    case ExprKind::kField:
      for (size_t k = 0; k < e.path.size(); ++k) {
        if (k > 0) out += '.';
        out += PlainName(e.path[k]) ? e.path[k] : Quote(e.path[k], '"');
      }
      break;
    case ExprKind::kUnary:
      out += e.op == Op::kNot ? "not " : "-";
      Append(*e.args[0], out);
      break;
    case ExprKind::kBinary:
      out += '(';
      Append(*e.args[0], out);
      out += std::string(" ") + OpText(e.op) + " ";
      Append(*e.args[1], out);
      out += ')';
      break;
    case ExprKind::kIsNull:
      Append(*e.args[0], out);
      out += e.negated ? " is not null" : " is null";
      break;
    case ExprKind::kIn:
      Append(*e.args[0], out);
      out += e.negated ? " not in (" : " in (";
      for (size_t k = 1; k < e.args.size(); ++k) {
        if (k > 1) out += ", ";
        Append(*e.args[k], out);
      }
      out += ')';
      break;
    case ExprKind::kLike:
    case ExprKind::kIncludes:
      Append(*e.args[0], out);
      if (e.negated) out += " not";
      out += e.kind == ExprKind::kIncludes ? " includes "
                                           : (e.case_insensitive ? " ilike " : " like ");
      Append(*e.args[1], out);
      break;
    case ExprKind::kCall:
      out += e.name + "(";
      if (e.star) out += '*';
      for (size_t k = 0; k < e.args.size(); ++k) {
        if (k > 0) out += ", ";
        Append(*e.args[k], out);
      }
      out += ')';
      break;
  }
}

}  // namespace

std::string ExprToString(const Expr& e) {
  std::string out;
  Append(e, out);
  return out;
}

}  // namespace sluice::query
