#include "format/parquet/reader_schema.h"

#include <set>
#include <utility>

namespace sluice::format::parquet {
namespace {

using Kind = LeafConversion::Kind;
using Logical = LogicalAnnotation::Kind;

struct Node {
  int element = 0;
  std::vector<int> children;  // node indices
  int first_leaf = 0;
};

// A leaf's value type, or why sluice has none.
struct LeafType {
  ValueType type = ValueType::kString;
  LeafConversion conversion;
  std::string unsupported;  // non-empty: the reason
};

LeafType Unsupported(std::string reason) {
  LeafType t;
  t.unsupported = std::move(reason);
  return t;
}

LeafType Of(ValueType type, Kind kind) {
  LeafType t;
  t.type = type;
  t.conversion.kind = kind;
  return t;
}

bool Is(const FooterSchemaElement& e, Logical logical, ConvertedType converted) {
  return e.logical.kind == logical ||
         (e.logical.kind == Logical::kNone && e.converted_type && *e.converted_type == converted);
}

bool IsUnsigned(const FooterSchemaElement& e) {
  if (e.logical.kind == Logical::kInteger) return !e.logical.is_signed;
  if (e.logical.kind != Logical::kNone || !e.converted_type) return false;
  const auto c = *e.converted_type;
  return c == ConvertedType::kUint8 || c == ConvertedType::kUint16 || c == ConvertedType::kUint32 ||
         c == ConvertedType::kUint64;
}

LeafType Decimal(const FooterSchemaElement& e) {
  LeafType t = Of(ValueType::kDouble, Kind::kDecimal);
  t.conversion.scale = e.logical.kind == Logical::kDecimal ? e.logical.scale : e.scale;
  if (t.conversion.scale < 0 || t.conversion.scale > 38) return Unsupported("DECIMAL scale");
  return t;
}

LeafType TimestampOf(const FooterSchemaElement& e) {
  LeafType t = Of(ValueType::kTimestamp, Kind::kTimestamp);
  if (e.logical.kind == Logical::kTimestamp) {
    t.conversion.unit = e.logical.unit;
  } else {
    const bool millis = *e.converted_type == ConvertedType::kTimestampMillis;
    t.conversion.unit = millis ? TimeUnit::kMillis : TimeUnit::kMicros;
  }
  return t;
}

LeafType Int64Type(const FooterSchemaElement& e) {
  if (Is(e, Logical::kTimestamp, ConvertedType::kTimestampMicros) ||
      Is(e, Logical::kTimestamp, ConvertedType::kTimestampMillis)) {
    return TimestampOf(e);
  }
  if (Is(e, Logical::kDecimal, ConvertedType::kDecimal)) return Decimal(e);
  if (Is(e, Logical::kTime, ConvertedType::kTimeMicros)) return Unsupported("TIME values");
  return Of(ValueType::kInt64, IsUnsigned(e) ? Kind::kUInt64 : Kind::kInt);
}

LeafType Int32Type(const FooterSchemaElement& e) {
  if (Is(e, Logical::kDate, ConvertedType::kDate)) return Of(ValueType::kTimestamp, Kind::kDate);
  if (Is(e, Logical::kDecimal, ConvertedType::kDecimal)) return Decimal(e);
  if (Is(e, Logical::kTime, ConvertedType::kTimeMillis)) return Unsupported("TIME values");
  return Of(ValueType::kInt64, IsUnsigned(e) ? Kind::kUInt32 : Kind::kInt);
}

LeafType BytesType(const FooterSchemaElement& e) {
  if (Is(e, Logical::kJson, ConvertedType::kJson)) return Of(ValueType::kJson, Kind::kBytes);
  if (Is(e, Logical::kDecimal, ConvertedType::kDecimal)) return Unsupported("binary DECIMAL");
  if (Is(e, Logical::kBson, ConvertedType::kBson)) return Unsupported("BSON values");
  if (e.logical.kind == Logical::kUuid) {
    if (*e.type != PhysicalType::kFixedLenByteArray || e.type_length != 16) {
      return Unsupported("UUID not stored in 16 bytes");
    }
    return Of(ValueType::kString, Kind::kUuid);
  }
  if (e.logical.kind == Logical::kNone && e.converted_type == ConvertedType::kInterval) {
    return Unsupported("INTERVAL values");
  }
  if (e.logical.kind == Logical::kFloat16) return Unsupported("FLOAT16 values");
  return Of(ValueType::kString, Kind::kBytes);
}

LeafType ConvertLeaf(const FooterSchemaElement& e) {
  switch (*e.type) {
    case PhysicalType::kBoolean: return Of(ValueType::kBool, Kind::kBool);
    case PhysicalType::kInt32: return Int32Type(e);
    case PhysicalType::kInt64: return Int64Type(e);
    case PhysicalType::kInt96: return Of(ValueType::kTimestamp, Kind::kInt96);
    case PhysicalType::kFloat:
    case PhysicalType::kDouble: return Of(ValueType::kDouble, Kind::kFloat);
    case PhysicalType::kByteArray: return BytesType(e);
    case PhysicalType::kFixedLenByteArray:
      if (e.type_length <= 0) return Unsupported("FIXED_LEN_BYTE_ARRAY of no length");
      return BytesType(e);
  }
  return Unsupported("unknown physical type");
}

class Resolver {
 public:
  explicit Resolver(const std::vector<FooterSchemaElement>& elements) : e_(elements) {}

  Result<FileSchema> Run();

 private:
  Status Build(int depth, int* node);
  void Plan(const Node& top);
  void PlanList(const Node& group, ColumnPlan plan);
  bool Leaf(const Node& n) const { return n.children.empty() && e_[n.element].type.has_value(); }
  Repetition Rep(const Node& n) const {
    return e_[n.element].repetition.value_or(Repetition::kRequired);
  }
  void Refuse(const std::string& name, std::string reason) {
    out_.unsupported.push_back({name, std::move(reason)});
  }

  const std::vector<FooterSchemaElement>& e_;
  std::vector<Node> nodes_;
  size_t next_element_ = 0;
  FileSchema out_;
};

Status Resolver::Build(int depth, int* node) {
  if (depth > kMaxSchemaDepth) return DataLossError("schema nested deeper than 64 levels");
  if (next_element_ >= e_.size()) return DataLossError("schema ends inside a group");
  const int index = static_cast<int>(nodes_.size());
  nodes_.push_back(
      Node{static_cast<int>(next_element_), {}, static_cast<int>(out_.leaf_types.size())});
  const FooterSchemaElement& el = e_[next_element_++];
  if (el.num_children < 0 || static_cast<size_t>(el.num_children) > e_.size() - next_element_) {
    return DataLossError("schema element '" + el.name + "' has " + std::to_string(el.num_children) +
                         " children");
  }
  if (el.num_children == 0 && el.type) out_.leaf_types.push_back(*el.type);
  for (int32_t k = 0; k < el.num_children; ++k) {
    int child = 0;
    SLUICE_RETURN_IF_ERROR(Build(depth + 1, &child));
    nodes_[index].children.push_back(child);
  }
  *node = index;
  return Status::Ok();
}

void Resolver::Plan(const Node& top) {
  const FooterSchemaElement& el = e_[top.element];
  ColumnPlan plan;
  plan.column.name = el.name;
  plan.column.nullable = Rep(top) == Repetition::kOptional;
  plan.leaf = top.first_leaf;
  if (!Leaf(top)) {
    if (el.logical.kind == Logical::kList ||
        (el.converted_type && *el.converted_type == ConvertedType::kList)) {
      return PlanList(top, std::move(plan));
    }
    const bool map = el.logical.kind == Logical::kMap ||
                     (el.converted_type && (*el.converted_type == ConvertedType::kMap ||
                                            *el.converted_type == ConvertedType::kMapKeyValue));
    return Refuse(el.name, map ? "map column" : "struct column");
  }
  LeafType t = ConvertLeaf(el);
  if (!t.unsupported.empty()) return Refuse(el.name, t.unsupported);
  plan.physical = *el.type;
  plan.type_length = el.type_length;
  plan.conversion = t.conversion;
  plan.column.type = t.type;
  plan.max_def = plan.column.nullable ? 1 : 0;
  if (Rep(top) == Repetition::kRepeated) {
    // A repeated primitive outside a LIST group is a list that is never null.
    plan.element_type = t.type;
    plan.column.type = t.type == ValueType::kString ? ValueType::kStringList : ValueType::kJson;
    plan.max_def = plan.max_rep = 1;
  }
  out_.columns.push_back(std::move(plan));
}

// A LIST-annotated group (LogicalTypes.md "Lists", with its backward-compatibility rules): its
// one repeated child is the element itself (2-level) when it is a leaf; a repeated group of one
// field, not named "array" or "<list>_tuple", wraps the element (3-level); any other repeated
// group is an element of struct type.
void Resolver::PlanList(const Node& group, ColumnPlan plan) {
  const std::string& name = e_[group.element].name;
  if (Rep(group) == Repetition::kRepeated || group.children.size() != 1 ||
      Rep(nodes_[group.children[0]]) != Repetition::kRepeated) {
    return Refuse(name, "LIST group without one repeated child");
  }
  const Node& repeated = nodes_[group.children[0]];
  const Node* element = &repeated;
  const std::string& rname = e_[repeated.element].name;
  if (!Leaf(repeated) && repeated.children.size() == 1 && rname != "array" &&
      rname != name + "_tuple") {
    element = &nodes_[repeated.children[0]];
  }
  if (!Leaf(*element)) return Refuse(name, "list of structs or lists");
  const FooterSchemaElement& el = e_[element->element];
  if (element != &repeated && Rep(*element) == Repetition::kRepeated) {
    return Refuse(name, "list of lists");
  }
  LeafType t = ConvertLeaf(el);
  if (!t.unsupported.empty()) return Refuse(name, "list of " + t.unsupported);
  plan.physical = *el.type;
  plan.type_length = el.type_length;
  plan.conversion = t.conversion;
  plan.element_type = t.type;
  plan.column.type = t.type == ValueType::kString ? ValueType::kStringList : ValueType::kJson;
  plan.list_def = plan.column.nullable ? 1 : 0;
  const bool element_optional = element != &repeated && Rep(*element) == Repetition::kOptional;
  plan.max_def = plan.list_def + 1 + (element_optional ? 1 : 0);
  plan.max_rep = 1;
  out_.columns.push_back(std::move(plan));
}

Result<FileSchema> Resolver::Run() {
  if (e_.empty()) return DataLossError("schema has no root");
  int root = 0;
  SLUICE_RETURN_IF_ERROR(Build(0, &root));
  if (next_element_ != e_.size()) {
    return DataLossError("schema has " + std::to_string(e_.size() - next_element_) +
                         " elements after its root's children");
  }
  std::set<std::string> names;
  for (int child : nodes_[root].children) {
    const Node& top = nodes_[child];
    const std::string& name = e_[top.element].name;
    if (!names.insert(name).second) {
      Refuse(name, "a second column of this name");
      continue;
    }
    Plan(top);
  }
  return std::move(out_);
}

}  // namespace

Result<FileSchema> ResolveSchema(const std::vector<FooterSchemaElement>& elements) {
  return Resolver(elements).Run();
}

}  // namespace sluice::format::parquet
