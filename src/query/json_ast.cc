#include "query/json_ast.h"

#include <cctype>
#include <map>
#include <string_view>

#include "query/parser.h"

namespace sluice::query {

namespace {

constexpr int kMaxDepth = 128;

const std::map<std::string_view, Op>& BinaryOps() {
  static const auto* const kOps = new std::map<std::string_view, Op>{
      {"eq", Op::kEq},   {"ne", Op::kNe},   {"neq", Op::kNe},  {"lt", Op::kLt},
      {"le", Op::kLe},   {"gt", Op::kGt},   {"ge", Op::kGe},   {"add", Op::kAdd},
      {"sub", Op::kSub}, {"mul", Op::kMul}, {"div", Op::kDiv},
  };
  return *kOps;
}

const std::map<std::string_view, int64_t>& IntervalUnits() {
  static const auto* const kUnits = new std::map<std::string_view, int64_t>{
      {"microsecond", 1},      {"second", 1'000'000},   {"minute", 60'000'000},
      {"hour", 3'600'000'000}, {"day", 86'400'000'000}, {"week", 604'800'000'000}};
  return *kUnits;
}

Value ValueOf(const Json& j) {
  switch (j.type()) {
    case Json::Type::kNull: return Value::Null();
    case Json::Type::kBool: return Value::Bool(j.bool_value());
    case Json::Type::kInt: return Value::Int(j.int_value());
    case Json::Type::kUint: return Value::Double(static_cast<double>(j.uint_value()));
    case Json::Type::kDouble: return Value::Double(j.number_value());
    case Json::Type::kString: return Value::String(j.string_value());
    case Json::Type::kArray: {
      std::vector<Value> items;
      for (const Json& e : j.array()) items.push_back(ValueOf(e));
      return Value::Array(std::move(items));
    }
    case Json::Type::kObject: return Value::Object(j.ToString());
  }
  return Value::Null();
}

// Builds a Query from the tree. Each expression node gets the position (0, n) where n indexes
// paths_, so the binder's "at 0:n" can be turned back into the node's place in the tree.
class Builder {
 public:
  Result<Query> Build(const Json& tree);
  // Rewrites the binder's positions in `message` into tree paths.
  std::string Explain(const std::string& message) const;

 private:
  Status Error(const std::string& path, const std::string& why) const {
    return InvalidArgumentError(path + ": " + why);
  }
  Pos Place(const std::string& path) {
    paths_.push_back(path);
    return Pos{0, static_cast<int>(paths_.size() - 1)};
  }
  Result<ExprPtr> Expression(const Json& node, const std::string& path, int depth);
  Result<ExprPtr> Operands(ExprPtr e, const Json& node, const std::string& path, int depth,
                           std::initializer_list<const char*> names);
  Result<ExprPtr> Ident(ExprPtr e, const Json& node, const std::string& path);
  Result<ExprPtr> Chain(ExprPtr e, const Json& node, const std::string& path, int depth);
  Result<ExprPtr> InList(ExprPtr e, const Json& node, const std::string& path, int depth);
  Result<ExprPtr> Call(const Json& node, const std::string& path, int depth);
  Result<ExprPtr> Interval(const Json& node, const std::string& path);
  Status Source(const Json& from, Query& q);
  Result<std::vector<SelectItem>> Items(const Json& list, const std::string& path, Query* q);
  Status Sort(const Json& list, Query& q);
  Status Clause(std::string_view key, const Json& v, Query& q);

  std::vector<std::string> paths_;
};

Result<ExprPtr> Builder::Operands(ExprPtr e, const Json& node, const std::string& path, int depth,
                                  std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const Json* child = node.Find(name);
    if (child == nullptr) return Error(path, std::string("needs \"") + name + "\"");
    SLUICE_ASSIGN_OR_RETURN(ExprPtr arg, Expression(*child, path + "." + name, depth + 1));
    e->args.push_back(std::move(arg));
  }
  return e;
}

// {"op": "ident", "name": [...]}: a field path; array positions may be numbers.
Result<ExprPtr> Builder::Ident(ExprPtr e, const Json& node, const std::string& path) {
  const Json* name = node.Find("name");
  if (name == nullptr || !name->is_array() || name->array().empty()) {
    return Error(path, "an ident needs \"name\": a non-empty array of field names");
  }
  e->kind = ExprKind::kField;
  for (const Json& part : name->array()) {
    if (part.is_string()) {
      e->path.push_back(part.string_value());
    } else if (part.type() == Json::Type::kInt) {
      e->path.push_back(std::to_string(part.int_value()));
    } else {
      return Error(path + ".name", "must hold strings");
    }
  }
  return e;
}

// "and" / "or" (e->op) over "left" and "right", or over a list of "children", left to right.
Result<ExprPtr> Builder::Chain(ExprPtr e, const Json& node, const std::string& path, int depth) {
  const Json* children = node.Find("children");
  if (children == nullptr) return Operands(std::move(e), node, path, depth, {"left", "right"});
  if (!children->is_array() || children->array().empty()) {
    return Error(path + ".children", "must be a non-empty array");
  }
  // a and b and c = (a and b) and c
  ExprPtr acc;
  for (size_t i = 0; i < children->array().size(); ++i) {
    const std::string at = path + ".children[" + std::to_string(i) + "]";
    SLUICE_ASSIGN_OR_RETURN(ExprPtr next, Expression(children->array()[i], at, depth + 1));
    if (!acc) {
      acc = std::move(next);
      continue;
    }
    auto join = std::make_unique<Expr>();
    join->kind = ExprKind::kBinary;
    join->op = e->op;
    join->pos = e->pos;
    join->args.push_back(std::move(acc));
    join->args.push_back(std::move(next));
    acc = std::move(join);
  }
  return acc;
}

// "in": "left" in the list "right".
Result<ExprPtr> Builder::InList(ExprPtr e, const Json& node, const std::string& path, int depth) {
  SLUICE_ASSIGN_OR_RETURN(e, Operands(std::move(e), node, path, depth, {"left"}));
  const Json* right = node.Find("right");
  if (right == nullptr || !right->is_array()) return Error(path, "\"right\" must be an array");
  for (size_t i = 0; i < right->array().size(); ++i) {
    const std::string at = path + ".right[" + std::to_string(i) + "]";
    SLUICE_ASSIGN_OR_RETURN(ExprPtr item, Expression(right->array()[i], at, depth + 1));
    e->args.push_back(std::move(item));
  }
  return e;
}

Result<ExprPtr> Builder::Expression(const Json& node, const std::string& path, int depth) {
  if (depth > kMaxDepth) return Error(path, "nested deeper than 128");
  const Json* op = node.Find("op");
  if (op == nullptr || !op->is_string()) return Error(path, "must be an object with an \"op\"");
  const std::string& o = op->string_value();
  auto e = std::make_unique<Expr>();
  e->pos = Place(path);
  if (o == "literal") {
    const Json* v = node.Find("value");
    e->literal = v == nullptr ? Value::Null() : ValueOf(*v);
    return e;
  }
  if (o == "ident") return Ident(std::move(e), node, path);
  if (auto b = BinaryOps().find(o); b != BinaryOps().end()) {
    e->kind = ExprKind::kBinary;
    e->op = b->second;
    return Operands(std::move(e), node, path, depth, {"left", "right"});
  }
  if (o == "and" || o == "or") {
    e->kind = ExprKind::kBinary;
    e->op = o == "and" ? Op::kAnd : Op::kOr;
    return Chain(std::move(e), node, path, depth);
  }
  if (o == "not" || o == "neg") {
    e->kind = ExprKind::kUnary;
    e->op = o == "not" ? Op::kNot : Op::kNeg;
    return Operands(std::move(e), node, path, depth, {"expr"});
  }
  if (o == "isnull" || o == "isnotnull") {
    e->kind = ExprKind::kIsNull;
    e->negated = o == "isnotnull";
    return Operands(std::move(e), node, path, depth, {"expr"});
  }
  if (o == "like" || o == "ilike" || o == "includes") {
    e->kind = o == "includes" ? ExprKind::kIncludes : ExprKind::kLike;
    e->case_insensitive = o == "ilike";
    return Operands(std::move(e), node, path, depth, {"left", "right"});
  }
  if (o == "in") {
    e->kind = ExprKind::kIn;
    return InList(std::move(e), node, path, depth);
  }
  if (o == "function") return Call(node, path, depth);
  if (o == "interval") return Interval(node, path);
  if (o == "star") return Error(path, "* is allowed only as the select list or in count(*)");
  return Error(path, "unknown op '" + o + "'");
}

Result<ExprPtr> Builder::Call(const Json& node, const std::string& path, int depth) {
  const Json* name = node.Find("name");
  const Json* parts = name != nullptr ? name->Find("name") : nullptr;
  if (parts == nullptr || !parts->is_array() || parts->array().size() != 1 ||
      !parts->array()[0].is_string()) {
    return Error(path + ".name", "must be {\"op\": \"ident\", \"name\": [<function>]}");
  }
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kCall;
  e->pos = Place(path);
  for (char c : parts->array()[0].string_value()) {
    e->name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  const Json* args = node.Find("args");
  if (args == nullptr) return e;
  if (!args->is_array()) return Error(path + ".args", "must be an array");
  for (size_t i = 0; i < args->array().size(); ++i) {
    const Json& a = args->array()[i];
    const Json* op = a.Find("op");
    if (op != nullptr && op->is_string() && op->string_value() == "star") {
      e->star = true;
      continue;
    }
    const std::string at = path + ".args[" + std::to_string(i) + "]";
    SLUICE_ASSIGN_OR_RETURN(ExprPtr arg, Expression(a, at, depth + 1));
    e->args.push_back(std::move(arg));
  }
  return e;
}

Result<ExprPtr> Builder::Interval(const Json& node, const std::string& path) {
  const Json* value = node.Find("value");
  const Json* unit = node.Find("unit");
  if (value == nullptr || !value->is_number()) return Error(path + ".value", "must be a number");
  if (unit == nullptr || !unit->is_string()) return Error(path + ".unit", "must be a unit name");
  std::string u = unit->string_value();
  if (u.size() > 1 && u.back() == 's') u.pop_back();
  auto it = IntervalUnits().find(u);
  if (it == IntervalUnits().end()) {
    return Error(path + ".unit", "must be second, minute, hour, day or week");
  }
  const double micros = value->number_value() * static_cast<double>(it->second);
  if (!(micros > -9e18 && micros < 9e18)) return Error(path, "interval is too long");
  auto e = std::make_unique<Expr>();
  e->pos = Place(path);
  e->literal = Value::Interval(static_cast<int64_t>(micros));
  return e;
}

Status Builder::Source(const Json& from, Query& q) {
  const Json* op = from.Find("op");
  const Json* name = from.Find("name");
  const Json* parts = name != nullptr ? name->Find("name") : nullptr;
  const Json* args = from.Find("args");
  if (op == nullptr || !op->is_string() || op->string_value() != "function" || parts == nullptr ||
      !parts->is_array() || parts->array().size() != 1 || !parts->array()[0].is_string() ||
      args == nullptr || !args->is_array() || args->array().size() != 1) {
    return Error("query.from",
                 "must be {\"op\": \"function\", \"name\": {\"op\": \"ident\", \"name\": "
                 "[\"project_logs\"|\"experiment\"|\"dataset\"]}, \"args\": [{\"op\": "
                 "\"literal\", \"value\": \"<id>\"}]}");
  }
  auto type = model::ParseObjectType(parts->array()[0].string_value());
  if (!type.ok()) {
    return Error("query.from.name", "unknown source '" + parts->array()[0].string_value() +
                                        "': use project_logs, experiment or dataset");
  }
  const Json* id = args->array()[0].Find("value");
  if (id == nullptr || !id->is_string() || id->string_value().empty()) {
    return Error("query.from.args[0]", "must be the object id as a literal string");
  }
  q.source.object = {*type, id->string_value()};
  q.source.pos = Place("query.from");
  if (const Json* shape = from.Find("shape"); shape != nullptr && !shape->is_null()) {
    if (!shape->is_string() ||
        (shape->string_value() != "spans" && shape->string_value() != "traces")) {
      return Error("query.from.shape", "must be \"spans\" or \"traces\"");
    }
    q.source.shape = shape->string_value() == "traces" ? Shape::kTraces : Shape::kSpans;
  }
  return Status();
}

// select, dimensions or measures: [{"alias", "expr"}] (or bare expressions); `q` is set for
// select, where {"op": "star"} means every field.
Result<std::vector<SelectItem>> Builder::Items(const Json& list, const std::string& path,
                                               Query* q) {
  if (!list.is_array()) return Error(path, "must be an array");
  std::vector<SelectItem> out;
  for (size_t i = 0; i < list.array().size(); ++i) {
    const Json& item = list.array()[i];
    const std::string at = path + "[" + std::to_string(i) + "]";
    const Json* op = item.Find("op");
    if (q != nullptr && op != nullptr && op->is_string() && op->string_value() == "star") {
      q->select_star = true;
      continue;
    }
    SelectItem s;
    const Json* expr = item.Find("expr");
    SLUICE_ASSIGN_OR_RETURN(s.expr, Expression(expr ? *expr : item, expr ? at + ".expr" : at, 1));
    if (const Json* alias = item.Find("alias"); alias != nullptr && alias->is_string()) {
      s.alias = alias->string_value();
    }
    s.pos = s.expr->pos;
    out.push_back(std::move(s));
  }
  return out;
}

Status Builder::Sort(const Json& list, Query& q) {
  if (!list.is_array()) return Error("query.sort", "must be an array of {expr, dir}");
  for (size_t i = 0; i < list.array().size(); ++i) {
    const Json& item = list.array()[i];
    const std::string at = "query.sort[" + std::to_string(i) + "]";
    const Json* expr = item.Find("expr");
    if (expr == nullptr) return Error(at, "needs \"expr\"");
    SortItem s;
    SLUICE_ASSIGN_OR_RETURN(s.expr, Expression(*expr, at + ".expr", 1));
    if (const Json* dir = item.Find("dir"); dir != nullptr && !dir->is_null()) {
      if (!dir->is_string() || (dir->string_value() != "asc" && dir->string_value() != "desc")) {
        return Error(at + ".dir", "must be \"asc\" or \"desc\"");
      }
      s.descending = dir->string_value() == "desc";
    }
    s.pos = s.expr->pos;
    q.sort.push_back(std::move(s));
  }
  return Status();
}

Status Builder::Clause(std::string_view key, const Json& v, Query& q) {
  if (v.is_null()) return Status();
  if (key == "from") return Source(v, q);
  if (key == "dimensions" || key == "measures") {
    SLUICE_ASSIGN_OR_RETURN(auto items, Items(v, "query." + std::string(key), nullptr));
    (key == "dimensions" ? q.dimensions : q.measures) = std::move(items);
    return Status();
  }
  if (key == "filter") {
    SLUICE_ASSIGN_OR_RETURN(q.filter, Expression(v, "query.filter", 1));
    return Status();
  }
  if (key == "sort") return Sort(v, q);
  if (key == "limit") {
    if (v.type() != Json::Type::kInt || v.int_value() < 1) {
      return Error("query.limit", "must be a whole number of at least 1");
    }
    q.limit = v.int_value();
    return Status();
  }
  if (key == "cursor") {
    if (!v.is_string()) return Error("query.cursor", "must be a string");
    if (!v.string_value().empty()) q.cursor = v.string_value();
    return Status();
  }
  return Error("query." + std::string(key), "is not supported");
}

Result<Query> Builder::Build(const Json& tree) {
  if (!tree.is_object()) return Error("query", "must be a string or a JSON syntax tree");
  Query q;
  bool has_from = false;
  for (const auto& [key, v] : tree.members()) {
    has_from |= key == "from" && !v.is_null();
    if (key == "select" && !v.is_null()) {
      SLUICE_ASSIGN_OR_RETURN(q.select, Items(v, "query.select", &q));
      continue;
    }
    SLUICE_RETURN_IF_ERROR(Clause(key, v, q));
  }
  if (!has_from) return Error("query.from", "required");
  if (q.select.empty() && !q.aggregating()) q.select_star = true;
  return q;
}

std::string Builder::Explain(const std::string& message) const {
  std::string out = message;
  for (size_t at = out.find(" at 0:"); at != std::string::npos; at = out.find(" at 0:", at + 4)) {
    size_t end = at + 6;
    while (end < out.size() && std::isdigit(static_cast<unsigned char>(out[end]))) ++end;
    if (end == at + 6 || end - at > 15) continue;
    const size_t n = std::stoul(out.substr(at + 6, end - at - 6));
    if (n < paths_.size()) out.replace(at + 4, end - at - 4, paths_[n]);
  }
  return out;
}

}  // namespace

Result<Query> QueryFromJson(const Json& tree) {
  Builder b;
  SLUICE_ASSIGN_OR_RETURN(Query q, b.Build(tree));
  Status bound = BindQuery(q);
  if (!bound.ok()) return InvalidArgumentError(b.Explain(bound.message()));
  return q;
}

}  // namespace sluice::query
