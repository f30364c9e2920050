#include "store/store_sql.h"

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

std::vector<std::string> JsonToStrings(std::string_view text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  auto j = Json::Parse(text);
  if (!j.ok() || !j->is_array()) return out;
  for (const Json& s : j->array()) out.push_back(s.string_value());
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

}  // namespace sluice::store
