// Binding: the checks of ParseQuery that need names (fields, functions, aggregates, output
// columns) rather than syntax.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>

#include "common/time_util.h"
#include "query/expr_parser.h"
#include "query/names.h"
#include "query/parser.h"

namespace sluice::query {
namespace {

// Where an expression appears decides what it may contain.
enum class Place { kRow, kMeasure, kInsideAggregate };

struct FunctionSpec {
  std::string_view name;
  int min_args;
  int max_args;
};
constexpr FunctionSpec kFunctions[] = {
    {"now", 0, 0},   {"lower", 1, 1}, {"upper", 1, 1}, {"len", 1, 1}, {"coalesce", 1, 64},
    {"count", 0, 1}, {"sum", 1, 1},   {"avg", 1, 1},   {"min", 1, 1}, {"max", 1, 1},
};

class Binder {
 public:
  explicit Binder(Shape shape) : shape_(shape) {}

  Status Bind(Expr& e, Place place) {
    switch (e.kind) {
      case ExprKind::kLiteral: return Status::Ok();
      case ExprKind::kField: return BindField(e, place);
      case ExprKind::kCall: return BindCall(e, place);
      default: break;
    }
    for (ExprPtr& a : e.args) SLUICE_RETURN_IF_ERROR(Bind(*a, place));
    if (e.kind == ExprKind::kBinary || e.kind == ExprKind::kIn) return CoerceLiterals(e);
    return Status::Ok();
  }

  int next_slot = 0;

 private:
  Status BindField(Expr& e, Place place) {
    const std::string& name = e.path[0];
    if (place == Place::kMeasure) {
      return ErrorAt(e.pos, "field '" + name + "' in measures must be inside an aggregate",
                     "put it in dimensions or wrap it in count/sum/avg/min/max");
    }
    const FieldInfo* f = FindField(name);
    if (f == nullptr) {
      std::vector<std::string> names;
      for (const FieldInfo& info : AllFields()) {
        if (shape_ == Shape::kTraces || !info.traces_only) names.emplace_back(info.name);
      }
      return ErrorAt(e.pos, "unknown field '" + name + "'", SuggestionHint(name, names));
    }
    if (f->traces_only && shape_ != Shape::kTraces) {
      return ErrorAt(e.pos, "field '" + name + "' exists only in the traces shape",
                     "add 'traces' after the source");
    }
    if (!f->json && e.path.size() > 1 && f->id != FieldId::kTags) {
      return ErrorAt(e.pos, "field '" + name + "' has no members ('" + e.path[1] + "')");
    }
    if (f->id == FieldId::kTags && e.path.size() > 1) {
      return ErrorAt(e.pos, "field 'tags' is an array of strings", "use tags includes 'x'");
    }
    e.field = f->id;
    return Status::Ok();
  }

  Status BindCall(Expr& e, Place place) {
    const FunctionSpec* spec = nullptr;
    std::vector<std::string> names;
    for (const FunctionSpec& f : kFunctions) {
      names.emplace_back(f.name);
      if (f.name == e.name) spec = &f;
    }
    if (spec == nullptr) {
      return ErrorAt(e.pos, "unknown function '" + e.name + "'",
                     SuggestionHint(e.name, names,
                                    "functions are now, lower, upper, len, coalesce, count, "
                                    "sum, avg, min, max"));
    }
    int n = static_cast<int>(e.args.size());
    if (e.star && e.name != "count") {
      return ErrorAt(e.pos, "only count accepts '*'");
    }
    if (n < spec->min_args || n > spec->max_args) {
      return ErrorAt(
          e.pos, e.name + " takes " + std::to_string(spec->min_args) +
                     (spec->max_args != spec->min_args ? (spec->max_args > 1 ? " or more" : " or 1")
                                                       : "") +
                     " argument(s), not " + std::to_string(n));
    }
    Place inner = place;
    if (IsAggregateName(e.name)) {
      if (place == Place::kRow) {
        return ErrorAt(e.pos, "aggregate '" + e.name + "' is not allowed here",
                       "use it in measures (or the SELECT list of a grouped query)");
      }
      if (place == Place::kInsideAggregate) {
        return ErrorAt(e.pos, "aggregate '" + e.name + "' cannot be nested in another");
      }
      e.agg_slot = next_slot++;
      inner = Place::kInsideAggregate;
    }
    for (ExprPtr& a : e.args) SLUICE_RETURN_IF_ERROR(Bind(*a, inner));
    return Status::Ok();
  }

  enum class Static { kOther, kTimestamp, kXact };

  static Static StaticType(const Expr& e) {
    if (e.kind == ExprKind::kField && e.path.size() == 1) {
      if (e.field == FieldId::kCreated) return Static::kTimestamp;
      if (e.field == FieldId::kXactId) return Static::kXact;
    }
    if (e.kind == ExprKind::kLiteral && e.literal.kind == Value::Kind::kTimestamp) {
      return Static::kTimestamp;
    }
    if (e.kind == ExprKind::kCall && e.name == "now") return Static::kTimestamp;
    if (e.kind == ExprKind::kBinary && (e.op == Op::kAdd || e.op == Op::kSub) &&
        StaticType(*e.args[0]) == Static::kTimestamp) {
      return Static::kTimestamp;
    }
    return Static::kOther;
  }

  // A string literal compared with a timestamp (created, now()) becomes a timestamp, and with
  // _xact_id a number.
  static Status CoerceLiteral(Expr& lit, Static want) {
    if (lit.kind != ExprKind::kLiteral || lit.literal.kind != Value::Kind::kString) {
      return Status::Ok();
    }
    const std::string& s = lit.literal.s;
    if (want == Static::kTimestamp) {
      auto ts = ParseRfc3339(s);
      if (!ts.ok()) {
        return ErrorAt(lit.pos, "'" + s + "' is not a timestamp",
                       "write RFC 3339 like '2024-05-01T12:00:00Z'");
      }
      lit.literal = Value::Timestamp(*ts);
    } else if (want == Static::kXact) {
      char* end = nullptr;
      errno = 0;
      unsigned long long v = std::strtoull(s.c_str(), &end, 10);
      if (s.empty() || *end != '\0' || errno != 0 || v > INT64_MAX) {
        return ErrorAt(lit.pos, "'" + s + "' is not a transaction id");
      }
      lit.literal = Value::Int(static_cast<int64_t>(v));
    }
    return Status::Ok();
  }

  static Status CoerceLiterals(Expr& e) {
    bool comparison =
        e.kind == ExprKind::kIn || (e.op != Op::kAnd && e.op != Op::kOr && e.op <= Op::kGe);
    if (!comparison) return Status::Ok();
    Static left = StaticType(*e.args[0]);
    if (left != Static::kOther) {
      for (size_t k = 1; k < e.args.size(); ++k) {
        SLUICE_RETURN_IF_ERROR(CoerceLiteral(*e.args[k], left));
      }
    } else if (e.kind == ExprKind::kBinary) {
      SLUICE_RETURN_IF_ERROR(CoerceLiteral(*e.args[0], StaticType(*e.args[1])));
    }
    return Status::Ok();
  }

  Shape shape_;
};

std::string DefaultName(const Expr& e) {
  if (e.kind == ExprKind::kField) return e.path.back();
  if (e.kind == ExprKind::kCall && !e.star && e.args.empty()) return e.name;
  if (e.kind == ExprKind::kCall && e.args.size() <= 1) return e.name;
  return ExprToString(e);
}

Status NameItems(std::vector<SelectItem*> items) {
  std::vector<std::string> seen;
  for (SelectItem* item : items) {
    item->name = item->alias.empty() ? DefaultName(*item->expr) : item->alias;
    if (std::find(seen.begin(), seen.end(), item->name) != seen.end()) {
      return ErrorAt(item->pos, "duplicate output name '" + item->name + "'",
                     "rename one with 'as'");
    }
    seen.push_back(item->name);
  }
  return Status::Ok();
}

// BTQL `select:` holding aggregates and no dimensions means one group over all rows.
Status MoveAggregateSelect(Query& q) {
  bool any_agg = false;
  for (const SelectItem& s : q.select) any_agg = any_agg || ContainsAggregate(*s.expr);
  if (q.aggregating() && (!q.select.empty() || q.select_star)) {
    Pos pos = q.select.empty() ? q.source.pos : q.select[0].pos;
    return ErrorAt(pos, "select cannot be combined with dimensions or measures",
                   "list output columns in dimensions and measures");
  }
  if (!any_agg) return Status::Ok();
  for (SelectItem& s : q.select) {
    if (!ContainsAggregate(*s.expr)) {
      return ErrorAt(s.pos, "'" + ExprToString(*s.expr) +
                                "' must be inside an aggregate or listed in dimensions");
    }
    q.measures.push_back(std::move(s));
  }
  q.select.clear();
  return Status::Ok();
}

Status BindSort(Query& q, Binder& binder) {
  std::vector<const SelectItem*> columns;
  if (q.aggregating()) {
    for (const SelectItem& s : q.dimensions) columns.push_back(&s);
    for (const SelectItem& s : q.measures) columns.push_back(&s);
  } else {
    for (const SelectItem& s : q.select) columns.push_back(&s);
  }
  for (SortItem& item : q.sort) {
    const Expr& e = *item.expr;
    std::string text = ExprToString(e);
    for (size_t c = 0; c < columns.size() && item.column < 0; ++c) {
      bool by_name = e.kind == ExprKind::kField && e.path.size() == 1 &&
                     e.path[0] == columns[c]->name && !columns[c]->alias.empty();
      bool by_text = q.aggregating() && text == ExprToString(*columns[c]->expr);
      if (by_name || by_text) item.column = static_cast<int>(c);
    }
    if (item.column >= 0) continue;
    if (q.aggregating()) {
      std::vector<std::string> names;
      for (const SelectItem* s : columns) names.push_back(s->name);
      return ErrorAt(item.pos, "sort '" + text + "' is not an output column",
                     SuggestionHint(text, names, "sort by a dimension or measure name"));
    }
    SLUICE_RETURN_IF_ERROR(binder.Bind(*item.expr, Place::kRow));
  }
  return Status::Ok();
}

}  // namespace

Status BindQuery(Query& q) {
  if (!q.sql) SLUICE_RETURN_IF_ERROR(MoveAggregateSelect(q));
  Binder binder(q.source.shape);
  if (q.filter) SLUICE_RETURN_IF_ERROR(binder.Bind(*q.filter, Place::kRow));
  for (SelectItem& s : q.select) SLUICE_RETURN_IF_ERROR(binder.Bind(*s.expr, Place::kRow));
  for (SelectItem& s : q.dimensions) SLUICE_RETURN_IF_ERROR(binder.Bind(*s.expr, Place::kRow));
  for (SelectItem& s : q.measures) {
    if (!ContainsAggregate(*s.expr)) {
      return ErrorAt(s.pos, "measure '" + ExprToString(*s.expr) + "' has no aggregate",
                     "use count/sum/avg/min/max, or move it to dimensions");
    }
    SLUICE_RETURN_IF_ERROR(binder.Bind(*s.expr, Place::kMeasure));
  }
  std::vector<SelectItem*> items;
  for (SelectItem& s : q.select) items.push_back(&s);
  for (SelectItem& s : q.dimensions) items.push_back(&s);
  for (SelectItem& s : q.measures) items.push_back(&s);
  SLUICE_RETURN_IF_ERROR(NameItems(std::move(items)));
  SLUICE_RETURN_IF_ERROR(BindSort(q, binder));
  if (q.cursor && q.aggregating()) {
    return ErrorAt(q.source.pos, "cursor cannot be used with dimensions or measures");
  }
  return Status::Ok();
}

}  // namespace sluice::query
