#include "store/store_sql.h"

#include <algorithm>
#include <limits>

#include "common/json.h"
#include "common/json_writer.h"

namespace sluice::store {

std::string StringsToJson(const std::vector<std::string>& v) {
  if (v.empty()) return std::string();
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  for (const auto& s : v) w.String(s);
  w.EndArray();
  return out;
}

std::string IntsToJson(std::span<const int64_t> v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(v[i]);
  }
  out += ']';
  return out;
}

std::string GrantsToJson(const std::vector<model::Grant>& grants) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  for (const auto& g : grants) {
    w.BeginObject()
        .Member("project_id", g.project_id)
        .Member("permission", model::PermissionName(g.permission))
        .EndObject();
  }
  w.EndArray();
  return out;
}

std::vector<model::Grant> JsonToGrants(std::string_view text) {
  std::vector<model::Grant> out;
  auto j = Json::Parse(text);
  if (!j.ok() || !j->is_array()) return out;
  for (const Json& g : j->array()) {
    const Json* p = g.Find("project_id");
    const Json* perm = g.Find("permission");
    if (!p || !perm) continue;
    auto parsed = model::ParsePermission(perm->string_value());
    if (parsed.ok()) out.push_back({p->string_value(), *parsed});
  }
  return out;
}

std::string MarkHidesSql(const model::RetentionMark& m) {
  std::string sql = "(xact_id <= " + std::to_string(m.max_xact_id);
  if (m.cutoff != std::numeric_limits<int64_t>::max()) {
    sql += " AND created < " + std::to_string(m.cutoff);
  }
  sql += " AND row_key NOT IN (SELECT row_key FROM retention_exempt WHERE mark_id = " +
         std::to_string(m.id) + "))";
  return sql;
}

std::string VisibleSql(const std::vector<model::RetentionMark>& marks) {
  if (marks.empty()) return std::string();
  std::string sql = " AND NOT (";
  for (size_t i = 0; i < marks.size(); ++i) {
    if (i) sql += " OR ";
    sql += MarkHidesSql(marks[i]);
  }
  return sql + ")";
}

Status CheckScanRequest(const model::ScanRequest& r) {
  if (r.after && r.order != model::ScanOrder::kXactAscending) {
    return InvalidArgumentError("a scan cursor is only valid in _xact_id order");
  }
  return Status();
}

Status CheckPositionRequest(const model::ScanRequest& r, int64_t n) {
  if (r.order != model::ScanOrder::kXactAscending || r.limit != 0 || n < 1) {
    return InvalidArgumentError("a row position needs _xact_id order, no limit and n >= 1");
  }
  return Status();
}

int64_t NextPageRows(int64_t page_rows, const model::ScanRequest& r, int64_t returned) {
  return r.limit > 0 ? std::min(page_rows, r.limit - returned) : page_rows;
}

}  // namespace sluice::store
