#include "store/postgres/pg_rows.h"

#include <algorithm>

#include "common/json.h"
#include "common/json_writer.h"
#include "store/postgres/pg_retention.h"
#include "store/store_sql.h"

namespace sluice::store::postgres {

namespace {

template <typename T>
Result<std::vector<T>> QueryList(Connection& c, const std::string& table, const std::string& cols,
                                 const std::string& where, const std::vector<std::string>& args,
                                 const ListOptions& o, RowReader<T> read) {
  std::string sql = "SELECT " + cols + " FROM " + table + " WHERE " + where;
  Params params;
  for (const auto& a : args) params.Add(a);
  auto next = [&] { return "$" + std::to_string(params.size() + 1); };
  if (!o.name.empty()) {
    sql += " AND name = " + next();
    params.Add(o.name);
  }
  if (!o.project_id.empty()) {
    sql += " AND project_id = " + next();
    params.Add(o.project_id);
  }
  for (size_t i = 0; i < o.ids.size(); ++i) {
    sql += (i ? ", " : " AND id IN (") + next();
    params.Add(o.ids[i]);
  }
  if (!o.ids.empty()) sql += ")";
  bool ascending = false;
  if (!o.starting_after.empty()) {
    sql += " AND seq < (SELECT seq FROM " + table + " WHERE id = " + next() + ")";
    params.Add(o.starting_after);
  } else if (!o.ending_before.empty()) {
    sql += " AND seq > (SELECT seq FROM " + table + " WHERE id = " + next() + ")";
    params.Add(o.ending_before);
    ascending = true;
  }
  sql += ascending ? " ORDER BY seq ASC" : " ORDER BY seq DESC";
  sql += " LIMIT " + std::to_string(o.limit > 0 ? o.limit : 1000);
  SLUICE_ASSIGN_OR_RETURN(Rows r, c.Query(sql, params));
  std::vector<T> out;
  out.reserve(r.size());
  for (int i = 0; i < r.size(); ++i) out.push_back(read(r, i));
  if (ascending) std::reverse(out.begin(), out.end());
  return out;
}

model::Project ReadProject(const Rows& r, int i) {
  return model::Project{r.Text(i, 0), r.Text(i, 1), r.Text(i, 2), r.Text(i, 3), r.Int(i, 4)};
}

model::Experiment ReadExperiment(const Rows& r, int i) {
  model::Experiment e;
  e.id = r.Text(i, 0);
  e.project_id = r.Text(i, 1);
  e.name = r.Text(i, 2);
  e.description = r.Text(i, 3);
  e.created = r.Int(i, 4);
  e.is_public = r.Bool(i, 5);
  e.metadata = r.Text(i, 6);
  e.tags = JsonToStrings(r.View(i, 7));
  e.dataset_id = r.Text(i, 8);
  e.base_exp_id = r.Text(i, 9);
  e.repo_info = r.Text(i, 10);
  return e;
}

model::Dataset ReadDataset(const Rows& r, int i) {
  model::Dataset d;
  d.id = r.Text(i, 0);
  d.project_id = r.Text(i, 1);
  d.name = r.Text(i, 2);
  d.description = r.Text(i, 3);
  d.created = r.Int(i, 4);
  d.metadata = r.Text(i, 5);
  d.tags = JsonToStrings(r.View(i, 6));
  return d;
}

model::Automation ReadAutomation(const Rows& r, int i) {
  model::Automation a;
  a.id = r.Text(i, 0);
  a.org_id = r.Text(i, 1);
  a.project_id = r.Text(i, 2);
  a.name = r.Text(i, 3);
  a.description = r.Text(i, 4);
  a.created = r.Int(i, 5);
  a.type = static_cast<model::AutomationType>(r.Int(i, 6));
  auto cfg = Json::Parse(r.View(i, 7));
  if (cfg.ok()) a.config = std::move(cfg).value();
  return a;
}

model::ApiKey ReadApiKey(const Rows& r, int i) {
  model::ApiKey k;
  k.id = r.Text(i, 0);
  k.org_id = r.Text(i, 1);
  k.name = r.Text(i, 2);
  k.kind = static_cast<model::KeyKind>(r.Int(i, 3));
  k.lookup = r.Text(i, 4);
  k.salt = r.Text(i, 5);
  k.hash = r.Text(i, 6);
  k.grants = JsonToGrants(r.View(i, 7));
  k.created = r.Int(i, 8);
  if (!r.IsNull(i, 9)) k.revoked = r.Int(i, 9);
  return k;
}

}  // namespace

Result<std::vector<model::Project>> QueryProjects(Connection& c, const std::string& where,
                                                  const std::vector<std::string>& args,
                                                  const ListOptions& options) {
  return QueryList<model::Project>(c, "projects", "id, org_id, name, description, created", where,
                                   args, options, ReadProject);
}

Result<std::vector<model::Experiment>> QueryExperiments(Connection& c, const std::string& where,
                                                        const std::vector<std::string>& args,
                                                        const ListOptions& options) {
  return QueryList<model::Experiment>(
      c, "experiments",
      "id, project_id, name, description, created, public, metadata, tags, dataset_id, "
      "base_exp_id, repo_info",
      "(" + where + ")" + kVisibleExperimentsSql, args, options, ReadExperiment);
}

Result<std::vector<model::Dataset>> QueryDatasets(Connection& c, const std::string& where,
                                                  const std::vector<std::string>& args,
                                                  const ListOptions& options) {
  return QueryList<model::Dataset>(c, "datasets",
                                   "id, project_id, name, description, created, metadata, tags",
                                   where, args, options, ReadDataset);
}

Result<std::vector<model::Automation>> QueryAutomations(Connection& c, const std::string& where,
                                                        const std::vector<std::string>& args,
                                                        const ListOptions& options) {
  return QueryList<model::Automation>(
      c, "automations", "id, org_id, project_id, name, description, created, type, config", where,
      args, options, ReadAutomation);
}

Result<std::vector<model::ApiKey>> QueryApiKeys(Connection& c, const std::string& where,
                                                const std::vector<std::string>& args) {
  ListOptions all;
  all.limit = 100000;
  return QueryList<model::ApiKey>(
      c, "api_keys", "id, org_id, name, kind, lookup, salt, hash, grants, created, revoked", where,
      args, all, ReadApiKey);
}

void ReadPgEvent(const Rows& r, int i, model::Event* e) {
  auto text = [&](int col, std::string* out) {
    const std::string_view v = r.View(i, col);
    out->assign(v.data(), v.size());
  };
  e->row_key = r.BinaryInt64(i, kRowKeyColumn);
  text(1, &e->id);
  e->xact_id = static_cast<uint64_t>(r.BinaryInt64(i, kXactIdColumn));
  e->created = r.BinaryInt64(i, kCreatedColumn);
  text(4, &e->span_id);
  text(5, &e->root_span_id);
  JsonToStringsInto(r.View(i, 6), &e->span_parents);
  e->is_root = r.BinaryBool(i, 7);
  int col = 8;
  for (const model::JsonField& f : model::kJsonFields) text(col++, &(e->*f.member));
  JsonToStringsInto(r.View(i, 18), &e->tags);
  text(19, &e->org_id);
  text(20, &e->project_id);
  e->object.type = static_cast<model::ObjectType>(r.BinaryInt32(i, 21));
  text(22, &e->object.id);
}

}  // namespace sluice::store::postgres
