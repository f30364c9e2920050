// Opening and the catalog: orgs, projects, experiments, datasets, API keys.
#include "store/postgres/pg_store.h"

#include "common/uuid.h"
#include "store/postgres/pg_migrations.h"
#include "store/postgres/pg_rows.h"

namespace sluice::store::postgres {

namespace {

// Runs a single-statement write on a pooled connection.
Result<Rows> Write(PgStore& store, const std::string& sql, const Params& params) {
  SLUICE_ASSIGN_OR_RETURN(auto c, store.Acquire());
  return c->Query(sql, params);
}

// A unique violation as kAlreadyExists with a user-facing message; other errors unchanged.
Status NameTaken(const Status& st, const std::string& what, const std::string& name) {
  if (st.code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError(what + " named \"" + name + "\" already exists");
  }
  return st;
}

}  // namespace

Result<std::unique_ptr<PgStore>> PgStore::Open(const std::string& conninfo,
                                               PgStoreOptions options) {
  std::unique_ptr<PgStore> store(new PgStore(conninfo, options));
  SLUICE_ASSIGN_OR_RETURN(auto c, store->Acquire());
  SLUICE_RETURN_IF_ERROR(Migrate(*c).WithContext("migrating the PostgreSQL schema"));
  return store;
}

// ---- orgs and projects ----

Result<model::Org> PgStore::CreateOrg(const std::string& name) {
  model::Org org{NewUuid(), name, RealClock().NowMicros()};
  SLUICE_ASSIGN_OR_RETURN(Rows r, Write(*this,
                                        "INSERT INTO orgs (id, name, created) "
                                        "VALUES ($1, $2, $3)",
                                        Params().Add(org.id).Add(org.name).Add(org.created)));
  return org;
}

Result<int64_t> PgStore::CountOrgs() {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(Rows r, c->Query("SELECT COUNT(*) FROM orgs"));
  return r.Int(0, 0);
}

Result<std::vector<model::Org>> PgStore::ListOrgs() {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(Rows r, c->Query("SELECT id, name, created FROM orgs ORDER BY seq"));
  std::vector<model::Org> out;
  for (int i = 0; i < r.size(); ++i) out.push_back({r.Text(i, 0), r.Text(i, 1), r.Int(i, 2)});
  return out;
}

Result<model::Project> PgStore::CreateProject(const model::Project& p) {
  auto r =
      Write(*this,
            "INSERT INTO projects (id, org_id, name, description, created) "
            "VALUES ($1, $2, $3, $4, $5)",
            Params().Add(p.id).Add(p.org_id).Add(p.name).AddOrNull(p.description).Add(p.created));
  SLUICE_RETURN_IF_ERROR(NameTaken(r.status(), "a project", p.name));
  return p;
}

Result<model::Project> PgStore::GetProject(const std::string& id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(auto v, QueryProjects(*c, "id = $1", {id}, LimitOne()));
  if (v.empty()) return NotFoundError("project " + id + " not found");
  return v[0];
}

Result<std::optional<model::Project>> PgStore::FindProjectByName(const std::string& org_id,
                                                                 const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(
      auto v, QueryProjects(*c, "org_id = $1 AND name = $2", {org_id, name}, LimitOne()));
  if (v.empty()) return std::optional<model::Project>();
  return std::optional<model::Project>(v[0]);
}

Result<std::vector<model::Project>> PgStore::ListProjects(const std::string& org_id,
                                                          const ListOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  return QueryProjects(*c, "org_id = $1", {org_id}, options);
}

// ---- experiments and datasets ----

Result<model::Experiment> PgStore::CreateExperiment(const model::Experiment& e) {
  SLUICE_ASSIGN_OR_RETURN(model::Project p, GetProject(e.project_id));
  auto r = Write(*this,
                 "INSERT INTO experiments (id, org_id, project_id, name, description, created, "
                 "public, metadata, tags, dataset_id, base_exp_id, repo_info) "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                 Params()
                     .Add(e.id)
                     .Add(p.org_id)
                     .Add(e.project_id)
                     .Add(e.name)
                     .AddOrNull(e.description)
                     .Add(e.created)
                     .Add(e.is_public ? "t" : "f")
                     .AddOrNull(e.metadata)
                     .AddOrNull(StringsToJson(e.tags))
                     .AddOrNull(e.dataset_id)
                     .AddOrNull(e.base_exp_id)
                     .AddOrNull(e.repo_info));
  SLUICE_RETURN_IF_ERROR(NameTaken(r.status(), "an experiment", e.name));
  return e;
}

Result<model::Experiment> PgStore::GetExperiment(const std::string& id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(auto v, QueryExperiments(*c, "id = $1", {id}, LimitOne()));
  if (v.empty()) return NotFoundError("experiment " + id + " not found");
  return v[0];
}

Result<std::optional<model::Experiment>> PgStore::FindExperimentByName(
    const std::string& project_id, const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(auto v, QueryExperiments(*c, "project_id = $1 AND name = $2",
                                                   {project_id, name}, LimitOne()));
  if (v.empty()) return std::optional<model::Experiment>();
  return std::optional<model::Experiment>(v[0]);
}

Result<std::vector<model::Experiment>> PgStore::ListExperiments(const std::string& org_id,
                                                                const ListOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  return QueryExperiments(*c, "org_id = $1", {org_id}, options);
}

Result<model::Dataset> PgStore::CreateDataset(const model::Dataset& d) {
  SLUICE_ASSIGN_OR_RETURN(model::Project p, GetProject(d.project_id));
  auto r = Write(*this,
                 "INSERT INTO datasets (id, org_id, project_id, name, description, created, "
                 "metadata, tags) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                 Params()
                     .Add(d.id)
                     .Add(p.org_id)
                     .Add(d.project_id)
                     .Add(d.name)
                     .AddOrNull(d.description)
                     .Add(d.created)
                     .AddOrNull(d.metadata)
                     .AddOrNull(StringsToJson(d.tags)));
  SLUICE_RETURN_IF_ERROR(NameTaken(r.status(), "a dataset", d.name));
  return d;
}

Result<model::Dataset> PgStore::GetDataset(const std::string& id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(auto v, QueryDatasets(*c, "id = $1", {id}, LimitOne()));
  if (v.empty()) return NotFoundError("dataset " + id + " not found");
  return v[0];
}

Result<std::optional<model::Dataset>> PgStore::FindDatasetByName(const std::string& project_id,
                                                                 const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(
      auto v, QueryDatasets(*c, "project_id = $1 AND name = $2", {project_id, name}, LimitOne()));
  if (v.empty()) return std::optional<model::Dataset>();
  return std::optional<model::Dataset>(v[0]);
}

Result<std::vector<model::Dataset>> PgStore::ListDatasets(const std::string& org_id,
                                                          const ListOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  return QueryDatasets(*c, "org_id = $1", {org_id}, options);
}

// ---- API keys ----

Status PgStore::CreateApiKey(const model::ApiKey& k) {
  return Write(*this,
               "INSERT INTO api_keys (id, org_id, name, kind, lookup, salt, hash, grants, "
               "created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
               Params()
                   .Add(k.id)
                   .Add(k.org_id)
                   .Add(k.name)
                   .Add(static_cast<int64_t>(k.kind))
                   .Add(k.lookup)
                   .Add(k.salt)
                   .Add(k.hash)
                   .Add(GrantsToJson(k.grants))
                   .Add(k.created))
      .status();
}

Result<std::optional<model::ApiKey>> PgStore::FindApiKeyByLookup(const std::string& lookup) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(auto v, QueryApiKeys(*c, "lookup = $1", {lookup}));
  if (v.empty()) return std::optional<model::ApiKey>();
  return std::optional<model::ApiKey>(v[0]);
}

Result<std::vector<model::ApiKey>> PgStore::ListApiKeys(const std::string& org_id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  return QueryApiKeys(*c, "org_id = $1", {org_id});
}

Status PgStore::RevokeApiKey(const std::string& org_id, const std::string& key_id,
                             TimestampMicros now) {
  SLUICE_ASSIGN_OR_RETURN(Rows r, Write(*this,
                                        "UPDATE api_keys SET revoked = COALESCE(revoked, $1) "
                                        "WHERE org_id = $2 AND id = $3",
                                        Params().Add(now).Add(org_id).Add(key_id)));
  if (r.Affected() == 0) return NotFoundError("no API key " + key_id + " in this org");
  return Status();
}

}  // namespace sluice::store::postgres
