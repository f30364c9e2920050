// PgStore: the Store backend over PostgreSQL 15 (libpq), for several sluice processes sharing
// one database. Writers run concurrently; each write transaction takes its _xact_id from a
// sequence and records its PostgreSQL transaction id, and readers of the export path see rows
// only up to a watermark below every transaction still in flight (DESIGN.md §3,
// docs/storage.md "PostgreSQL"). Scans stream in keyset pages.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "store/postgres/pg_db.h"
#include "store/store.h"

namespace sluice::store::postgres {

struct PgStoreOptions {
  // Rows fetched per page by a scan: bounds a scan's memory (a scan holds the page it returns
  // rows from and the next one, in flight).
  int64_t scan_page_rows = 1000;
  // Connections kept open when idle.
  int max_idle_connections = 8;
  // Tests only: called inside each insert transaction right after its _xact_id is taken (to
  // hold transactions open while others commit). Must be thread-safe.
  std::function<void(uint64_t xact_id)> after_xact_id_taken;
};

// Thread-safe.
class PgStore final : public Store {
 public:
  // Connects with a libpq URI or connection string (postgres://user@host:port/db) and
  // migrates the schema. kUnavailable when the server cannot be reached.
  static Result<std::unique_ptr<PgStore>> Open(const std::string& conninfo,
                                               PgStoreOptions options = {});
  ~PgStore() override = default;

  Result<model::Org> CreateOrg(const std::string& name) override;
  Result<int64_t> CountOrgs() override;
  Result<std::vector<model::Org>> ListOrgs() override;
  Result<model::Project> CreateProject(const model::Project& project) override;
  Result<model::Project> GetProject(const std::string& id) override;
  Result<std::optional<model::Project>> FindProjectByName(const std::string& org_id,
                                                          const std::string& name) override;
  Result<std::vector<model::Project>> ListProjects(const std::string& org_id,
                                                   const ListOptions& options) override;

  Result<model::Experiment> CreateExperiment(const model::Experiment& e) override;
  Result<model::Experiment> GetExperiment(const std::string& id) override;
  Result<std::optional<model::Experiment>> FindExperimentByName(const std::string& project_id,
                                                                const std::string& name) override;
  Result<std::vector<model::Experiment>> ListExperiments(const std::string& org_id,
                                                         const ListOptions& options) override;
  Result<model::Dataset> CreateDataset(const model::Dataset& d) override;
  Result<model::Dataset> GetDataset(const std::string& id) override;
  Result<std::optional<model::Dataset>> FindDatasetByName(const std::string& project_id,
                                                          const std::string& name) override;
  Result<std::vector<model::Dataset>> ListDatasets(const std::string& org_id,
                                                   const ListOptions& options) override;

  Status CreateApiKey(const model::ApiKey& key) override;
  Result<std::optional<model::ApiKey>> FindApiKeyByLookup(const std::string& lookup) override;
  Result<std::vector<model::ApiKey>> ListApiKeys(const std::string& org_id) override;
  Status RevokeApiKey(const std::string& org_id, const std::string& key_id,
                      TimestampMicros now) override;

  Result<InsertResult> InsertBatch(std::span<const ObjectWrites> batch,
                                   TimestampMicros now) override;
  Result<std::optional<model::Event>> GetEvent(const model::ObjectRef& object,
                                               const std::string& id) override;
  Result<bool> RowExists(const model::ObjectRef& object, const std::string& id) override;
  Result<uint64_t> MaxXactId() override;
  Result<std::unique_ptr<model::EventStream>> Scan(const model::ScanRequest& request) override;
  Result<int64_t> CountRows(const model::ScanRequest& request) override;
  // A count with no JSON match is CountRows, in SQL; with one, nullopt: PostgreSQL's scans leave
  // the matches to the reader, so the engine reads the rows.
  Result<std::optional<int64_t>> CountMatching(const model::ScanRequest& request) override;
  Result<std::optional<model::XactCursor>> NthRowPosition(const model::ScanRequest& request,
                                                          int64_t n) override;

  Result<model::Automation> CreateAutomation(const model::Automation& a) override;
  Result<model::Automation> GetAutomation(const std::string& id) override;
  Result<std::optional<model::Automation>> FindAutomationByName(const std::string& project_id,
                                                                const std::string& name) override;
  Result<std::vector<model::Automation>> ListAutomations(const std::string& org_id,
                                                         const ListOptions& options) override;
  Status UpdateAutomation(const model::Automation& a) override;
  Status DeleteAutomation(const std::string& id) override;
  Status SaveRun(const model::AutomationRun& run) override;
  Result<std::optional<model::AutomationRun>> GetRun(const std::string& run_id) override;
  Result<std::vector<model::AutomationRun>> ListRuns(const std::string& automation_id,
                                                     int64_t limit,
                                                     const std::string& before_run_id) override;

  Status RegisterExport(const std::string& automation_id, const std::string& token_key_id,
                        TimestampMicros now) override;
  Result<std::optional<ExportState>> GetExportState(const std::string& automation_id) override;
  Result<int64_t> NextExportSequence(const std::string& automation_id,
                                     const std::string& date_folder) override;
  Result<ExportFile> AddPendingExportFile(const ExportFile& file) override;
  Result<std::optional<ExportFile>> FindPendingExportFile(
      const std::string& automation_id) override;
  Status CommitExportFile(const ExportFile& file) override;
  Status ResetExport(const std::string& automation_id) override;
  Result<std::vector<ExportFile>> ListExportFiles(const std::string& run_id) override;

  Result<RetentionCount> CountRetention(const model::RetentionMark& mark,
                                        bool with_bytes = false) override;
  Result<std::pair<model::RetentionMark, int64_t>> AddRetentionMark(
      const model::RetentionMark& mark, const std::vector<int64_t>& exempt_row_keys) override;
  Result<std::vector<model::RetentionMark>> ListRetentionMarks(
      const std::string& automation_id) override;
  Result<int64_t> RestoreRetentionRun(const std::string& run_id) override;
  Result<std::vector<std::pair<std::string, int64_t>>> PurgeExpiredMarks(
      TimestampMicros now) override;

  Result<bool> TryAcquireLease(const std::string& name, const std::string& owner,
                               TimestampMicros now, TimestampMicros expires) override;
  Result<bool> RenewLease(const std::string& name, const std::string& owner, TimestampMicros now,
                          TimestampMicros expires) override;
  Status ReleaseLease(const std::string& name, const std::string& owner) override;
  Result<std::string> LeaseOwner(const std::string& name, TimestampMicros now) override;

  const PgStoreOptions& options() const { return options_; }
  Result<ConnectionPool::Lease> Acquire() { return pool_.Acquire(); }

 private:
  PgStore(std::string conninfo, PgStoreOptions options)
      : options_(options), pool_(std::move(conninfo), options.max_idle_connections) {}

  PgStoreOptions options_;
  ConnectionPool pool_;
};

}  // namespace sluice::store::postgres
