// Opening, connection pool, and the catalog: orgs, projects, experiments, datasets, API keys.
#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <thread>

#include "common/json.h"
#include "common/log.h"
#include "common/uuid.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_rows.h"

namespace sluice::store::sqlite {

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       SqliteStoreOptions options) {
  SLUICE_ASSIGN_OR_RETURN(auto writer, Connection::Open(path));
  SLUICE_RETURN_IF_ERROR(Migrate(*writer).WithContext("migrating " + path));
  // Commits append to the WAL; a background thread copies it back into the database file.
  SLUICE_RETURN_IF_ERROR(writer->CheckpointInBackground(path, 1000));
  std::unique_ptr<SqliteStore> store(new SqliteStore(path, options, std::move(writer)));
  SLUICE_ASSIGN_OR_RETURN(store->keys_writer_, OpenKeysFile(path, *store->writer_));
  SLUICE_RETURN_IF_ERROR(store->writer_->AttachReadOnly(KeysFilePath(path), "keys"));
  SLUICE_RETURN_IF_ERROR(store->LoadSegmentState().WithContext("opening " + path));
  SLUICE_RETURN_IF_ERROR(store->writer_->Exec(
      "PRAGMA main.cache_size=-" +
      std::to_string(std::max<int64_t>(options.writer_cache_bytes >> 10, 64))));
  return store;
}

SqliteStore::SqliteStore(std::string path, SqliteStoreOptions options,
                         std::unique_ptr<Connection> writer)
    : path_(std::move(path)),
      options_(options),
      writer_(std::move(writer)),
      readers_(path_, KeysFilePath(path_), options_) {
  if (options_.count_threads <= 0) {  // the machine's cores, at most 4
    options_.count_threads =
        std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 4);
  }
}

SqliteStore::~SqliteStore() {
  key_worker_.Stop();
  // A clean close checkpoints the WALs into their files (the keys file's here: the last
  // connection to close it, which would otherwise, has it attached read-only).
  if (keys_writer_) keys_writer_->Exec("PRAGMA main.wal_checkpoint(TRUNCATE)").IgnoreError();
  std::lock_guard<std::mutex> lock(write_mu_);
  writer_->Exec("PRAGMA main.wal_checkpoint(TRUNCATE)").IgnoreError();
}

// ---- orgs and projects ----

Result<model::Org> SqliteStore::CreateOrg(const std::string& name) {
  model::Org org{NewUuid(), name, RealClock().NowMicros()};
  std::lock_guard<std::mutex> lock(write_mu_);
  SLUICE_ASSIGN_OR_RETURN(Statement * s,
                          writer_->Prepare("INSERT INTO orgs (id, name, created) VALUES (?,?,?)"));
  SLUICE_RETURN_IF_ERROR(s->Bind(1, org.id).Bind(2, org.name).Bind(3, org.created).Run());
  return org;
}

Result<int64_t> SqliteStore::CountOrgs() {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  SLUICE_ASSIGN_OR_RETURN(Statement * s, c->Prepare("SELECT COUNT(*) FROM orgs"));
  SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
  const int64_t n = row ? s->Int(0) : 0;
  s->Reset();
  return n;
}

Result<std::vector<model::Org>> SqliteStore::ListOrgs() {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  SLUICE_ASSIGN_OR_RETURN(Statement * s,
                          c->Prepare("SELECT id, name, created FROM orgs ORDER BY seq"));
  std::vector<model::Org> out;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back({s->Text(0), s->Text(1), s->Int(2)});
  }
  return out;
}

Result<model::Project> SqliteStore::CreateProject(const model::Project& p) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SLUICE_ASSIGN_OR_RETURN(
      Statement * s,
      writer_->Prepare("INSERT INTO projects (id, org_id, name, description, created) "
                       "VALUES (?,?,?,?,?)"));
  Status st = s->Bind(1, p.id)
                  .Bind(2, p.org_id)
                  .Bind(3, p.name)
                  .BindOrNull(4, p.description)
                  .Bind(5, p.created)
                  .Run();
  if (st.code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("a project named \"" + p.name + "\" already exists");
  }
  SLUICE_RETURN_IF_ERROR(st);
  return p;
}

Result<model::Project> SqliteStore::GetProject(const std::string& id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  SLUICE_ASSIGN_OR_RETURN(auto v, QueryProjects(*c, "id = ?", {id}, LimitOne()));
  if (v.empty()) return NotFoundError("project " + id + " not found");
  return v[0];
}

Result<std::optional<model::Project>> SqliteStore::FindProjectByName(const std::string& org_id,
                                                                     const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  SLUICE_ASSIGN_OR_RETURN(auto v,
                          QueryProjects(*c, "org_id = ? AND name = ?", {org_id, name}, LimitOne()));
  if (v.empty()) return std::optional<model::Project>();
  return std::optional<model::Project>(v[0]);
}

Result<std::vector<model::Project>> SqliteStore::ListProjects(const std::string& org_id,
                                                              const ListOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  return QueryProjects(*c, "org_id = ?", {org_id}, options);
}

// ---- experiments and datasets ----

Result<model::Experiment> SqliteStore::CreateExperiment(const model::Experiment& e) {
  SLUICE_ASSIGN_OR_RETURN(model::Project p, GetProject(e.project_id));
  std::lock_guard<std::mutex> lock(write_mu_);
  SLUICE_ASSIGN_OR_RETURN(
      Statement * s,
      writer_->Prepare("INSERT INTO experiments (id, org_id, project_id, name, description, "
                       "created, public, metadata, tags, dataset_id, base_exp_id, repo_info) "
                       "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"));
  s->Bind(1, e.id)
      .Bind(2, p.org_id)
      .Bind(3, e.project_id)
      .Bind(4, e.name)
      .BindOrNull(5, e.description)
      .Bind(6, e.created)
      .Bind(7, int64_t{e.is_public})
      .BindOrNull(8, e.metadata)
      .BindOrNull(9, StringsToJson(e.tags))
      .BindOrNull(10, e.dataset_id)
      .BindOrNull(11, e.base_exp_id)
      .BindOrNull(12, e.repo_info);
  Status st = s->Run();
  if (st.code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("an experiment named \"" + e.name + "\" already exists");
  }
  SLUICE_RETURN_IF_ERROR(st);
  return e;
}

Result<model::Experiment> SqliteStore::GetExperiment(const std::string& id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  SLUICE_ASSIGN_OR_RETURN(auto v, QueryExperiments(*c, "id = ?", {id}, LimitOne()));
  if (v.empty()) return NotFoundError("experiment " + id + " not found");
  return v[0];
}

Result<std::optional<model::Experiment>> SqliteStore::FindExperimentByName(
    const std::string& project_id, const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  SLUICE_ASSIGN_OR_RETURN(
      auto v, QueryExperiments(*c, "project_id = ? AND name = ?", {project_id, name}, LimitOne()));
  if (v.empty()) return std::optional<model::Experiment>();
  return std::optional<model::Experiment>(v[0]);
}

Result<std::vector<model::Experiment>> SqliteStore::ListExperiments(const std::string& org_id,
                                                                    const ListOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  return QueryExperiments(*c, "org_id = ?", {org_id}, options);
}

Result<model::Dataset> SqliteStore::CreateDataset(const model::Dataset& d) {
  SLUICE_ASSIGN_OR_RETURN(model::Project p, GetProject(d.project_id));
  std::lock_guard<std::mutex> lock(write_mu_);
  SLUICE_ASSIGN_OR_RETURN(
      Statement * s,
      writer_->Prepare("INSERT INTO datasets (id, org_id, project_id, name, description, "
                       "created, metadata, tags) VALUES (?,?,?,?,?,?,?,?)"));
  s->Bind(1, d.id)
      .Bind(2, p.org_id)
      .Bind(3, d.project_id)
      .Bind(4, d.name)
      .BindOrNull(5, d.description)
      .Bind(6, d.created)
      .BindOrNull(7, d.metadata)
      .BindOrNull(8, StringsToJson(d.tags));
  Status st = s->Run();
  if (st.code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("a dataset named \"" + d.name + "\" already exists");
  }
  SLUICE_RETURN_IF_ERROR(st);
  return d;
}

Result<model::Dataset> SqliteStore::GetDataset(const std::string& id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  SLUICE_ASSIGN_OR_RETURN(auto v, QueryDatasets(*c, "id = ?", {id}, LimitOne()));
  if (v.empty()) return NotFoundError("dataset " + id + " not found");
  return v[0];
}

Result<std::optional<model::Dataset>> SqliteStore::FindDatasetByName(const std::string& project_id,
                                                                     const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  SLUICE_ASSIGN_OR_RETURN(
      auto v, QueryDatasets(*c, "project_id = ? AND name = ?", {project_id, name}, LimitOne()));
  if (v.empty()) return std::optional<model::Dataset>();
  return std::optional<model::Dataset>(v[0]);
}

Result<std::vector<model::Dataset>> SqliteStore::ListDatasets(const std::string& org_id,
                                                              const ListOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  return QueryDatasets(*c, "org_id = ?", {org_id}, options);
}

// ---- API keys ----

Status SqliteStore::CreateApiKey(const model::ApiKey& k) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SLUICE_ASSIGN_OR_RETURN(
      Statement * s,
      writer_->Prepare("INSERT INTO api_keys (id, org_id, name, kind, lookup, salt, hash, grants, "
                       "created) VALUES (?,?,?,?,?,?,?,?,?)"));
  return s->Bind(1, k.id)
      .Bind(2, k.org_id)
      .Bind(3, k.name)
      .Bind(4, static_cast<int64_t>(k.kind))
      .Bind(5, k.lookup)
      .Bind(6, k.salt)
      .Bind(7, k.hash)
      .Bind(8, GrantsToJson(k.grants))
      .Bind(9, k.created)
      .Run();
}

Result<std::optional<model::ApiKey>> SqliteStore::FindApiKeyByLookup(const std::string& lookup) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  SLUICE_ASSIGN_OR_RETURN(auto v, QueryApiKeys(*c, "lookup = ?", {lookup}));
  if (v.empty()) return std::optional<model::ApiKey>();
  return std::optional<model::ApiKey>(v[0]);
}

Result<std::vector<model::ApiKey>> SqliteStore::ListApiKeys(const std::string& org_id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  return QueryApiKeys(*c, "org_id = ?", {org_id});
}

Status SqliteStore::RevokeApiKey(const std::string& org_id, const std::string& key_id,
                                 TimestampMicros now) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SLUICE_ASSIGN_OR_RETURN(Statement * s,
                          writer_->Prepare("UPDATE api_keys SET revoked = COALESCE(revoked, ?) "
                                           "WHERE org_id = ? AND id = ?"));
  SLUICE_RETURN_IF_ERROR(s->Bind(1, now).Bind(2, org_id).Bind(3, key_id).Run());
  if (writer_->Changes() == 0) return NotFoundError("no API key " + key_id + " in this org");
  return Status();
}

}  // namespace sluice::store::sqlite
