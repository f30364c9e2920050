// The query AST shared by both syntaxes of DESIGN.md §4: BTQL clauses (`select: … | from: …`)
// and SQL (`SELECT … FROM … WHERE …`) parse into the same Query, so planning and evaluation do
// not know which syntax was used.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/object.h"
#include "query/value.h"

namespace sluice::query {

// A 1-based position in the query text.
struct Pos {
  int line = 1;
  int col = 1;
};

// "3:14".
std::string PosString(Pos pos);

enum class ExprKind {
  kLiteral,   // literal
  kField,     // path (resolved to field by the binder)
  kUnary,     // op (kNot, kNeg) of args[0]
  kBinary,    // op of args[0], args[1]
  kIsNull,    // args[0] IS [NOT] NULL (negated)
  kIn,        // args[0] [NOT] IN (args[1..])
  kLike,      // args[0] [NOT] LIKE|ILIKE args[1] (case_insensitive for ILIKE)
  kIncludes,  // args[0] INCLUDES args[1]: array contains
  kCall,      // name(args...); star for count(*)
};

enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kAnd, kOr, kAdd, kSub, kMul, kDiv, kNot, kNeg };

// Top-level fields of a row. kJson* fields hold JSON text and accept sub-paths.
enum class FieldId {
  kUnknown,
  kId,
  kSpanId,
  kRootSpanId,
  kSpanParents,
  kIsRoot,
  kCreated,
  kXactId,
  kOrgId,
  kProjectId,
  kTags,
  // JSON-valued, in model::kJsonFields order.
  kInput,
  kOutput,
  kExpected,
  kError,
  kScores,
  kMetrics,
  kMetadata,
  kSpanAttributes,
  kContext,
  kOrigin,
  // Traces shape only.
  kSpanCount,
  kErrorCount,
  kLlmCalls,
};

// Index into model::kJsonFields for a JSON-valued field, or -1.
int JsonFieldIndex(FieldId id);

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  Pos pos;
  Op op = Op::kEq;
  bool negated = false;
  bool case_insensitive = false;
  bool star = false;
  Value literal;
  std::vector<std::string> path;  // kField, as written
  FieldId field = FieldId::kUnknown;
  std::string name;   // kCall, lower case
  int agg_slot = -1;  // kCall of an aggregate: index of its state (set by the binder)
  std::vector<ExprPtr> args;
};

// Canonical text of an expression (lower-case keywords), used to match GROUP BY items and as a
// default output name.
std::string ExprToString(const Expr& e);

enum class Shape { kSpans, kTraces };

struct Source {
  model::ObjectRef object;
  Shape shape = Shape::kSpans;
  Pos pos;
};

// One output column: expression and name (the alias, else the last path component).
struct SelectItem {
  ExprPtr expr;
  std::string alias;  // empty when none was written
  std::string name;   // output key (set by the binder)
  Pos pos;
};

struct SortItem {
  ExprPtr expr;
  bool descending = false;
  // Output column this sorts by (index into select, or dimensions then measures), or -1 to
  // evaluate expr over the row (set by the binder).
  int column = -1;
  Pos pos;
};

// A parsed query. Aggregating queries have dimensions and/or measures and no select list.
struct Query {
  bool sql = false;
  Source source;
  bool select_star = false;  // `select: *` or no select clause
  std::vector<SelectItem> select;
  std::vector<SelectItem> dimensions;
  std::vector<SelectItem> measures;
  ExprPtr filter;  // may be null
  std::vector<SortItem> sort;
  std::optional<int64_t> limit;
  std::optional<std::string> cursor;

  bool aggregating() const { return !dimensions.empty() || !measures.empty(); }
};

}  // namespace sluice::query
