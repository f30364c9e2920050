#include "store/sqlite/sqlite_rows.h"

#include <algorithm>

#include "common/json.h"
#include "common/json_writer.h"
#include "store/sqlite/sqlite_retention.h"
#include "store/store_sql.h"

namespace sluice::store::sqlite {

namespace {

// Runs "SELECT <cols> FROM <table> WHERE <where> [list filters] ORDER BY seq DESC LIMIT n" and
// maps each row with `read`.
template <typename T, typename ReadFn>
Result<std::vector<T>> QueryList(Connection& c, const std::string& table, const std::string& cols,
                                 const std::string& where, const std::vector<std::string>& args,
                                 const ListOptions& o, ReadFn read) {
  std::string sql = "SELECT " + cols + " FROM " + table + " WHERE " + where;
  std::vector<std::string> binds = args;
  if (!o.name.empty()) {
    sql += " AND name = ?";
    binds.push_back(o.name);
  }
  if (!o.project_id.empty()) {
    sql += " AND project_id = ?";
    binds.push_back(o.project_id);
  }
  if (!o.ids.empty()) {
    sql += " AND id IN (";
    for (size_t i = 0; i < o.ids.size(); ++i) {
      sql += i ? ",?" : "?";
      binds.push_back(o.ids[i]);
    }
    sql += ")";
  }
  bool ascending = false;
  if (!o.starting_after.empty()) {
    sql += " AND seq < (SELECT seq FROM " + table + " WHERE id = ?)";
    binds.push_back(o.starting_after);
  } else if (!o.ending_before.empty()) {
    sql += " AND seq > (SELECT seq FROM " + table + " WHERE id = ?)";
    binds.push_back(o.ending_before);
    ascending = true;
  }
  sql += ascending ? " ORDER BY seq ASC" : " ORDER BY seq DESC";
  sql += " LIMIT " + std::to_string(o.limit > 0 ? o.limit : 1000);
  SLUICE_ASSIGN_OR_RETURN(Statement * s, c.Prepare(sql));
  for (size_t i = 0; i < binds.size(); ++i) s->Bind(static_cast<int>(i + 1), binds[i]);
  std::vector<T> out;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(read(*s));
  }
  if (ascending) std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

Result<std::vector<model::Project>> QueryProjects(Connection& c, const std::string& where,
                                                  const std::vector<std::string>& args,
                                                  const ListOptions& options) {
  return QueryList<model::Project>(
      c, "projects", "id, org_id, name, description, created", where, args, options,
      [](const Statement& s) {
        return model::Project{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4)};
      });
}

Result<std::vector<model::Experiment>> QueryExperiments(Connection& c, const std::string& where,
                                                        const std::vector<std::string>& args,
                                                        const ListOptions& options) {
  return QueryList<model::Experiment>(
      c, "experiments",
      "id, project_id, name, description, created, public, metadata, tags, dataset_id, "
      "base_exp_id, repo_info",
      "(" + where + ")" + kVisibleExperimentsSql, args, options, [](const Statement& s) {
        model::Experiment e;
        e.id = s.Text(0);
        e.project_id = s.Text(1);
        e.name = s.Text(2);
        e.description = s.Text(3);
        e.created = s.Int(4);
        e.is_public = s.Int(5) != 0;
        e.metadata = s.Text(6);
        e.tags = JsonToStrings(s.TextView(7));
        e.dataset_id = s.Text(8);
        e.base_exp_id = s.Text(9);
        e.repo_info = s.Text(10);
        return e;
      });
}

Result<std::vector<model::Dataset>> QueryDatasets(Connection& c, const std::string& where,
                                                  const std::vector<std::string>& args,
                                                  const ListOptions& options) {
  return QueryList<model::Dataset>(c, "datasets",
                                   "id, project_id, name, description, created, metadata, tags",
                                   where, args, options, [](const Statement& s) {
                                     model::Dataset d;
                                     d.id = s.Text(0);
                                     d.project_id = s.Text(1);
                                     d.name = s.Text(2);
                                     d.description = s.Text(3);
                                     d.created = s.Int(4);
                                     d.metadata = s.Text(5);
                                     d.tags = JsonToStrings(s.TextView(6));
                                     return d;
                                   });
}

const char kAutomationColumns[] =
    "id, org_id, project_id, name, description, created, type, config";

model::Automation ReadAutomation(const Statement& s) {
  model::Automation a;
  a.id = s.Text(0);
  a.org_id = s.Text(1);
  a.project_id = s.Text(2);
  a.name = s.Text(3);
  a.description = s.Text(4);
  a.created = s.Int(5);
  a.type = static_cast<model::AutomationType>(s.Int(6));
  auto cfg = Json::Parse(s.TextView(7));
  if (cfg.ok()) a.config = std::move(cfg).value();
  return a;
}

Result<std::vector<model::Automation>> QueryAutomations(Connection& c, const std::string& where,
                                                        const std::vector<std::string>& args,
                                                        const ListOptions& options) {
  return QueryList<model::Automation>(c, "automations", kAutomationColumns, where, args, options,
                                      ReadAutomation);
}

Result<std::vector<model::ApiKey>> QueryApiKeys(Connection& c, const std::string& where,
                                                const std::vector<std::string>& args) {
  return QueryList<model::ApiKey>(
      c, "api_keys", "id, org_id, name, kind, lookup, salt, hash, grants, created, revoked", where,
      args,
      [] {
        ListOptions o;
        o.limit = 100000;
        return o;
      }(),
      [](const Statement& s) {
        model::ApiKey k;
        k.id = s.Text(0);
        k.org_id = s.Text(1);
        k.name = s.Text(2);
        k.kind = static_cast<model::KeyKind>(s.Int(3));
        k.lookup = s.Text(4);
        k.salt = s.Text(5);
        k.hash = s.Text(6);
        k.grants = JsonToGrants(s.TextView(7));
        k.created = s.Int(8);
        if (!s.IsNull(9)) k.revoked = s.Int(9);
        return k;
      });
}

DerivedColumns DeriveColumns(const model::Event& e) {
  return DerivedColumns{TextKeyHash(e.id), TextKeyHash(e.root_span_id),
                        StringsToJson(e.span_parents), StringsToJson(e.tags)};
}

const char kEventColumns[] =
    "row_key, id, xact_id, created, span_id, root_span_id, span_parents, is_root, input, output, "
    "expected, error, scores, metrics, metadata, span_attributes, context, origin, tags, org_id, "
    "project_id, object_type, object_id";

Result<std::optional<int64_t>> ObjectKey(Connection& c, const model::ObjectRef& object) {
  SLUICE_ASSIGN_OR_RETURN(
      Statement * s,
      c.Prepare("SELECT obj_key FROM event_objects WHERE object_type = ? AND object_id = ?"));
  s->Bind(1, static_cast<int64_t>(object.type)).BindBorrowed(2, object.id);
  SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
  std::optional<int64_t> out;
  if (row) out = s->Int(0);
  s->Reset();
  return out;
}

Result<uint64_t> LastXactId(Connection& c) {
  SLUICE_ASSIGN_OR_RETURN(Statement * s, c.Prepare("SELECT value FROM xact_counter"));
  SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
  const uint64_t v = row ? static_cast<uint64_t>(s->Int(0)) : 0;
  s->Reset();
  return v;
}

void ReadEventInto(const Statement& s, model::Event* e) {
  e->row_key = s.Int(0);
  e->id.assign(s.TextView(1));
  e->xact_id = static_cast<uint64_t>(s.Int(2));
  e->created = s.Int(3);
  e->span_id.assign(s.TextView(4));
  e->root_span_id.assign(s.TextView(5));
  JsonToStringsInto(s.TextView(6), &e->span_parents);
  e->is_root = s.Int(7) != 0;
  int col = 8;
  for (const model::JsonField& f : model::kJsonFields) (e->*f.member).assign(s.TextView(col++));
  JsonToStringsInto(s.TextView(18), &e->tags);
  e->org_id.assign(s.TextView(19));
  e->project_id.assign(s.TextView(20));
  e->object.type = static_cast<model::ObjectType>(s.Int(21));
  e->object.id.assign(s.TextView(22));
}

model::Event ReadEvent(const Statement& s) {
  model::Event e;
  ReadEventInto(s, &e);
  return e;
}

}  // namespace sluice::store::sqlite
