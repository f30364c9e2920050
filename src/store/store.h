// Store: the persistence interface of sluice (orgs, projects, experiments, datasets, API keys and
// rows). Backends: store/sqlite (embedded default) and store/postgres (several processes sharing
// one database). No backend types appear here. Row writes follow DESIGN.md §3: every write
// transaction gets one `_xact_id` that only grows, taken inside the transaction; rows are kept in
// `_xact_id` order.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "model/auth.h"
#include "model/automation.h"
#include "model/event_write.h"
#include "model/object.h"
#include "model/scan.h"

namespace sluice::store {

// Keyset pagination for list endpoints, newest first (Braintrust's list shape).
struct ListOptions {
  int64_t limit = 100;
  std::string starting_after;  // id: return items after (older than) this one
  std::string ending_before;   // id: return items before (newer than) this one
  std::string name;            // exact name filter, empty = all
  std::vector<std::string> ids;
  std::string project_id;  // experiments/datasets: filter by project, empty = all of the org
};

// Options for a single-item lookup.
inline ListOptions LimitOne() {
  ListOptions o;
  o.limit = 1;
  return o;
}

// Export progress of one automation (DESIGN.md §5). Exists once the export is registered.
struct ExportState {
  std::string automation_id;
  std::string token_key_id;  // the key id of the service token the export reads with
  TimestampMicros registered = 0;
  model::XactCursor cursor;  // everything at or before it is in committed files
};

enum class ExportFileState { kPending, kCommitted, kAbandoned };

// One planned or written export file. A pending file is recorded before its upload so a crash
// redoes the same rows under the same key: rows after `from` with _xact_id <= xact_bound, at
// most row_limit of them.
struct ExportFile {
  int64_t id = 0;  // store-assigned
  std::string automation_id;
  std::string run_id;
  std::string key;
  std::string date_folder;  // YYYY-MM-DD
  int64_t sequence = 0;     // NNN within (automation, date_folder), from 1
  ExportFileState state = ExportFileState::kPending;
  model::XactCursor from;
  uint64_t xact_bound = 0;
  int64_t row_limit = 0;
  // Committed files only.
  model::XactCursor to;  // the last row written
  int64_t rows = 0;
  int64_t bytes = 0;
  std::string sha256;  // hex of the file's bytes
  TimestampMicros created = 0;
};

// The writes to one object of an insert batch (Store::InsertBatch); `writes` is borrowed for
// the call.
struct ObjectWrites {
  model::ObjectRef object;
  std::string org_id;
  std::string project_id;
  std::span<const model::EventWrite> writes;
};

struct InsertResult {
  std::vector<std::string> row_ids;  // in request order
  uint64_t xact_id = 0;
  int64_t rows_written = 0;  // new or replaced rows
  int64_t rows_deleted = 0;  // `_object_delete` rows that existed
};

// Thread-safe: every method may be called from any thread concurrently.
class Store : public model::EventSource {
 public:
  ~Store() override = default;

  // --- orgs and projects ---
  virtual Result<model::Org> CreateOrg(const std::string& name) = 0;
  virtual Result<int64_t> CountOrgs() = 0;
  virtual Result<std::vector<model::Org>> ListOrgs() = 0;
  // kAlreadyExists when the org has a project of that name.
  virtual Result<model::Project> CreateProject(const model::Project& project) = 0;
  // kNotFound when absent.
  virtual Result<model::Project> GetProject(const std::string& id) = 0;
  virtual Result<std::optional<model::Project>> FindProjectByName(const std::string& org_id,
                                                                  const std::string& name) = 0;
  virtual Result<std::vector<model::Project>> ListProjects(const std::string& org_id,
                                                           const ListOptions& options) = 0;

  // --- experiments and datasets (names unique per project: kAlreadyExists) ---
  virtual Result<model::Experiment> CreateExperiment(const model::Experiment& e) = 0;
  virtual Result<model::Experiment> GetExperiment(const std::string& id) = 0;
  virtual Result<std::optional<model::Experiment>> FindExperimentByName(
      const std::string& project_id, const std::string& name) = 0;
  virtual Result<std::vector<model::Experiment>> ListExperiments(const std::string& org_id,
                                                                 const ListOptions& options) = 0;
  virtual Result<model::Dataset> CreateDataset(const model::Dataset& d) = 0;
  virtual Result<model::Dataset> GetDataset(const std::string& id) = 0;
  virtual Result<std::optional<model::Dataset>> FindDatasetByName(const std::string& project_id,
                                                                  const std::string& name) = 0;
  virtual Result<std::vector<model::Dataset>> ListDatasets(const std::string& org_id,
                                                           const ListOptions& options) = 0;

  // --- API keys and service tokens (stored hashed) ---
  virtual Status CreateApiKey(const model::ApiKey& key) = 0;
  // The key whose lookup part matches, revoked or not; nullopt when none.
  virtual Result<std::optional<model::ApiKey>> FindApiKeyByLookup(const std::string& lookup) = 0;
  virtual Result<std::vector<model::ApiKey>> ListApiKeys(const std::string& org_id) = 0;
  // kNotFound when the org has no such key.
  virtual Status RevokeApiKey(const std::string& org_id, const std::string& key_id,
                              TimestampMicros now) = 0;

  // --- rows ---
  // Applies every write of every object in `batch` in one transaction with one new _xact_id;
  // on any error nothing is written. row_ids are in batch order. REQUIRES: each object exists
  // and belongs to its project_id/org_id.
  virtual Result<InsertResult> InsertBatch(std::span<const ObjectWrites> batch,
                                           TimestampMicros now) = 0;
  // InsertBatch of one object's writes.
  Result<InsertResult> InsertEvents(const model::ObjectRef& object, const std::string& org_id,
                                    const std::string& project_id,
                                    std::span<const model::EventWrite> writes,
                                    TimestampMicros now) {
    const ObjectWrites one{object, org_id, project_id, writes};
    return InsertBatch({&one, 1}, now);
  }
  // The current version of one row, or nullopt.
  virtual Result<std::optional<model::Event>> GetEvent(const model::ObjectRef& object,
                                                       const std::string& id) = 0;
  // Whether a row of this id is stored: visible, or hidden by a retention run that can still be
  // restored (false once purged or deleted).
  virtual Result<bool> RowExists(const model::ObjectRef& object, const std::string& id) = 0;
  // The greatest _xact_id committed so far (0 when none).
  virtual Result<uint64_t> MaxXactId() = 0;
  // How many rows Scan(request) would return (visible rows only; at most request.limit when it
  // is set), counted in the store without reading the rows' fields.
  virtual Result<int64_t> CountRows(const model::ScanRequest& request) = 0;
  // The (_xact_id, row_key) of the n-th row (from 1) Scan(request) would return, read from the
  // index without the rows' fields; nullopt when it returns fewer rows. kInvalidArgument unless
  // the request is in kXactAscending order without a limit and n >= 1.
  virtual Result<std::optional<model::XactCursor>> NthRowPosition(const model::ScanRequest& request,
                                                                  int64_t n) = 0;

  // --- automations (names unique per project: kAlreadyExists) ---
  virtual Result<model::Automation> CreateAutomation(const model::Automation& a) = 0;
  virtual Result<model::Automation> GetAutomation(const std::string& id) = 0;
  virtual Result<std::optional<model::Automation>> FindAutomationByName(
      const std::string& project_id, const std::string& name) = 0;
  virtual Result<std::vector<model::Automation>> ListAutomations(const std::string& org_id,
                                                                 const ListOptions& options) = 0;
  // Replaces name, description and config. kNotFound when absent.
  virtual Status UpdateAutomation(const model::Automation& a) = 0;
  // Removes the automation and its run history. Retention marks stay (their rows stay hidden
  // until purged or restored).
  virtual Status DeleteAutomation(const std::string& id) = 0;

  // --- runs ---
  // Inserts or updates a run by id.
  virtual Status SaveRun(const model::AutomationRun& run) = 0;
  virtual Result<std::optional<model::AutomationRun>> GetRun(const std::string& run_id) = 0;
  // Newest first; `before_run_id` pages back from that run.
  virtual Result<std::vector<model::AutomationRun>> ListRuns(const std::string& automation_id,
                                                             int64_t limit,
                                                             const std::string& before_run_id) = 0;

  // --- exports (see ExportFile) ---
  // Records (or replaces) the export's service token; keeps the cursor of an earlier
  // registration.
  virtual Status RegisterExport(const std::string& automation_id, const std::string& token_key_id,
                                TimestampMicros now) = 0;
  // nullopt when the export is not registered.
  virtual Result<std::optional<ExportState>> GetExportState(const std::string& automation_id) = 0;
  // The next free sequence number of a date folder: one more than any file ever recorded there
  // (pending, committed or abandoned), so no key is reused.
  virtual Result<int64_t> NextExportSequence(const std::string& automation_id,
                                             const std::string& date_folder) = 0;
  // Records a pending file; returns it with its id. kAlreadyExists when the sequence is taken;
  // kFailedPrecondition when the automation already has a pending file.
  virtual Result<ExportFile> AddPendingExportFile(const ExportFile& file) = 0;
  virtual Result<std::optional<ExportFile>> FindPendingExportFile(
      const std::string& automation_id) = 0;
  // In one transaction: marks the pending file `file.id` committed with its rows, bytes, `to`
  // and checksum, and moves the cursor to `file.to`. kAborted when the cursor is no longer
  // `file.from` (someone else moved it) or the file is not pending.
  virtual Status CommitExportFile(const ExportFile& file) = 0;
  // Clears the cursor and the run history; pending files become abandoned. File records stay,
  // so numbering continues and no written file is overwritten.
  virtual Status ResetExport(const std::string& automation_id) = 0;
  // Committed files written by run `run_id`, in order.
  virtual Result<std::vector<ExportFile>> ListExportFiles(const std::string& run_id) = 0;

  // --- retention (soft delete as watermarks; see model::RetentionMark) ---
  // Rows of `object` that `mark` would newly hide (not hidden already); with `with_bytes`, also
  // the bytes of their stored fields (reads the rows; without it only the index is read).
  struct RetentionCount {
    int64_t rows = 0;
    int64_t bytes = 0;
  };
  virtual Result<RetentionCount> CountRetention(const model::RetentionMark& mark,
                                                bool with_bytes = false) = 0;
  // Records the mark (and rows it must not hide) in one transaction; from then on reads do not
  // see the rows it hides. Returns the mark with its id and how many rows it newly hid.
  virtual Result<std::pair<model::RetentionMark, int64_t>> AddRetentionMark(
      const model::RetentionMark& mark, const std::vector<int64_t>& exempt_row_keys) = 0;
  virtual Result<std::vector<model::RetentionMark>> ListRetentionMarks(
      const std::string& automation_id) = 0;
  // Brings back what the run's marks hid. kFailedPrecondition when already purged.
  // Returns rows restored.
  virtual Result<int64_t> RestoreRetentionRun(const std::string& run_id) = 0;
  // Deletes for good the rows hidden by active marks whose purge_after <= now, in bounded
  // batches; their space is free for new rows. Returns the rows purged per run id.
  virtual Result<std::vector<std::pair<std::string, int64_t>>> PurgeExpiredMarks(
      TimestampMicros now) = 0;
  // Hands space freed by purges back to the file system where the backend does not on its own
  // (SQLite: when a quarter of the file is free and no inserts are arriving). Best effort.
  virtual Status ReclaimSpace() { return Status(); }
  // The store lease (TryAcquireLease) held while PurgeExpiredMarks runs, so that one process at
  // a time purges; stores recognise a purge in progress in another process by it.
  static constexpr char kPurgeLease[] = "retention-purge";

  // --- leases (one holder of a named piece of work across processes sharing the store) ---
  // A lease is a row (name, owner, expires). It is free when absent or when expires <= now.
  // Each call is one atomic step, so of several owners racing for a free lease exactly one
  // wins. Times are the caller's clock (all processes are assumed to agree within a small part
  // of the ttl). `owner` is unique per process.
  //
  // Takes `name` for `owner` until `expires` when it is free or already held by `owner`;
  // false when another owner holds it unexpired.
  virtual Result<bool> TryAcquireLease(const std::string& name, const std::string& owner,
                                       TimestampMicros now, TimestampMicros expires) = 0;
  // Moves the expiry of a lease `owner` holds unexpired to `expires`; false when the lease was
  // lost (expired, taken by another owner, or released).
  virtual Result<bool> RenewLease(const std::string& name, const std::string& owner,
                                  TimestampMicros now, TimestampMicros expires) = 0;
  // Frees the lease when `owner` holds it; a no-op otherwise.
  virtual Status ReleaseLease(const std::string& name, const std::string& owner) = 0;
  // The owner of `name` while it is held unexpired at `now`; "" when free.
  virtual Result<std::string> LeaseOwner(const std::string& name, TimestampMicros now) = 0;
};

}  // namespace sluice::store
