// FakeStore: an in-memory store::Store for tests whose subject is not the store (the export and
// retention runners' scheduling, the scheduler). It keeps every role's contract as the backends
// do (the store contract tests run over it too): one growing _xact_id per insert, rows in
// (_xact_id, row_key) order with a new version at the end, scans honouring every ScanRequest
// field, retention marks hiding rows at once, the export file commit that moves the cursor
// only from where the file started, leases by owner and expiry. What it leaves out is what
// only a real database has: durability, concurrency across processes, space.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "store/store.h"

namespace sluice::testing {

// Thread-safe (one mutex).
class FakeStore final : public store::Store {
 public:
  // Catalog.
  Result<model::Org> CreateOrg(const std::string& name) override;
  Result<int64_t> CountOrgs() override;
  Result<std::vector<model::Org>> ListOrgs() override;
  Result<model::Project> CreateProject(const model::Project& project) override;
  Result<model::Project> GetProject(const std::string& id) override;
  Result<std::optional<model::Project>> FindProjectByName(const std::string& org_id,
                                                          const std::string& name) override;
  Result<std::vector<model::Project>> ListProjects(const std::string& org_id,
                                                   const store::ListOptions& options) override;
  Result<model::Experiment> CreateExperiment(const model::Experiment& e) override;
  Result<model::Experiment> GetExperiment(const std::string& id) override;
  Result<std::optional<model::Experiment>> FindExperimentByName(const std::string& project_id,
                                                                const std::string& name) override;
  Result<std::vector<model::Experiment>> ListExperiments(
      const std::string& org_id, const store::ListOptions& options) override;
  Result<model::Dataset> CreateDataset(const model::Dataset& d) override;
  Result<model::Dataset> GetDataset(const std::string& id) override;
  Result<std::optional<model::Dataset>> FindDatasetByName(const std::string& project_id,
                                                          const std::string& name) override;
  Result<std::vector<model::Dataset>> ListDatasets(const std::string& org_id,
                                                   const store::ListOptions& options) override;
  Status CreateApiKey(const model::ApiKey& key) override;
  Result<std::optional<model::ApiKey>> FindApiKeyByLookup(const std::string& lookup) override;
  Result<std::vector<model::ApiKey>> ListApiKeys(const std::string& org_id) override;
  Status RevokeApiKey(const std::string& org_id, const std::string& key_id,
                      TimestampMicros now) override;

  // EventStore.
  Result<std::unique_ptr<model::EventStream>> Scan(const model::ScanRequest& request) override;
  Result<store::InsertResult> InsertBatch(std::span<const store::ObjectWrites> batch,
                                          TimestampMicros now) override;
  Result<std::optional<model::Event>> GetEvent(const model::ObjectRef& object,
                                               const std::string& id) override;
  Result<bool> RowExists(const model::ObjectRef& object, const std::string& id) override;
  Result<uint64_t> MaxXactId() override;
  Result<int64_t> CountRows(const model::ScanRequest& request) override;
  Result<std::optional<model::XactCursor>> NthRowPosition(const model::ScanRequest& request,
                                                          int64_t n) override;

  // AutomationStore.
  Result<model::Automation> CreateAutomation(const model::Automation& a) override;
  Result<model::Automation> GetAutomation(const std::string& id) override;
  Result<std::optional<model::Automation>> FindAutomationByName(const std::string& project_id,
                                                                const std::string& name) override;
  Result<std::vector<model::Automation>> ListAutomations(
      const std::string& org_id, const store::ListOptions& options) override;
  Status UpdateAutomation(const model::Automation& a) override;
  Status DeleteAutomation(const std::string& id) override;
  Status SaveRun(const model::AutomationRun& run) override;
  Result<std::optional<model::AutomationRun>> GetRun(const std::string& run_id) override;
  Result<std::vector<model::AutomationRun>> ListRuns(const std::string& automation_id,
                                                     int64_t limit,
                                                     const std::string& before_run_id) override;

  // ExportLedger.
  Status RegisterExport(const std::string& automation_id, const std::string& token_key_id,
                        TimestampMicros now) override;
  Result<std::optional<store::ExportState>> GetExportState(
      const std::string& automation_id) override;
  Result<int64_t> NextExportSequence(const std::string& automation_id,
                                     const std::string& date_folder) override;
  Result<store::ExportFile> AddPendingExportFile(const store::ExportFile& file) override;
  Result<std::optional<store::ExportFile>> FindPendingExportFile(
      const std::string& automation_id) override;
  Status CommitExportFile(const store::ExportFile& file) override;
  Status ResetExport(const std::string& automation_id) override;
  Result<std::vector<store::ExportFile>> ListExportFiles(const std::string& run_id) override;

  // RetentionStore.
  Result<RetentionCount> CountRetention(const model::RetentionMark& mark, bool with_bytes) override;
  Result<std::pair<model::RetentionMark, int64_t>> AddRetentionMark(
      const model::RetentionMark& mark, const std::vector<int64_t>& exempt_row_keys) override;
  Result<std::vector<model::RetentionMark>> ListRetentionMarks(
      const std::string& automation_id) override;
  Result<int64_t> RestoreRetentionRun(const std::string& run_id) override;
  Result<std::vector<std::pair<std::string, int64_t>>> PurgeExpiredMarks(
      TimestampMicros now) override;

  // LeaseStore.
  Result<bool> TryAcquireLease(const std::string& name, const std::string& owner,
                               TimestampMicros now, TimestampMicros expires) override;
  Result<bool> RenewLease(const std::string& name, const std::string& owner, TimestampMicros now,
                          TimestampMicros expires) override;
  Status ReleaseLease(const std::string& name, const std::string& owner) override;
  Result<std::string> LeaseOwner(const std::string& name, TimestampMicros now) override;

 private:
  struct Mark {
    model::RetentionMark mark;
    std::set<int64_t> exempt;
  };
  struct Lease {
    std::string owner;
    TimestampMicros expires = 0;
  };

  // REQUIRES: mu_ held (for the helpers below).
  bool Hides(const Mark& m, const model::Event& row) const;
  // Applies one object's writes of a batch to `rows` (a copy, kept only when all succeed).
  Status ApplyWrites(const store::ObjectWrites& w, TimestampMicros now, uint64_t xact_id,
                     int64_t* row_key, std::vector<model::Event>& rows,
                     store::InsertResult& result) const;
  bool Hidden(const model::Event& row) const;
  std::vector<model::Event> Visible(const model::ScanRequest& request) const;
  bool ExperimentHidden(const std::string& id) const;
  const model::Project* ProjectOf(const std::string& project_id) const;

  std::mutex mu_;
  std::vector<model::Org> orgs_;
  std::vector<model::Project> projects_;  // in creation order, as every list below
  std::vector<model::Experiment> experiments_;
  std::vector<model::Dataset> datasets_;
  std::vector<model::ApiKey> keys_;
  std::vector<model::Event> rows_;  // current versions in (_xact_id, row_key) order
  uint64_t xact_id_ = 0;
  int64_t next_row_key_ = 1;
  std::vector<model::Automation> automations_;
  std::vector<model::AutomationRun> runs_;  // in order of first save
  std::map<std::string, store::ExportState> exports_;
  std::vector<store::ExportFile> files_;
  std::vector<Mark> marks_;
  std::map<std::string, Lease> leases_;
};

}  // namespace sluice::testing
