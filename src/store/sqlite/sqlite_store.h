// SqliteStore: the embedded Store backend (SQLite 3 in WAL mode). One writer connection serialises
// all writes, so `_xact_id` is taken inside the write transaction and strictly increases; readers
// use a pool of connections and never block the writer. Scans stream in keyset pages.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/sqlite/group_commit.h"
#include "store/sqlite/key_worker.h"
#include "store/sqlite/reader_pool.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_segments.h"
#include "store/sqlite/sqlite_store_options.h"
#include "store/store.h"

namespace sluice::store::sqlite {

// Thread-safe.
class SqliteStore final : public Store {
 public:
  // Opens or creates the database file at path and migrates it.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                   SqliteStoreOptions options = {});
  ~SqliteStore() override;

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
  // CountRows: the scan's JSON matches are exact in SQL (see PageSql); nullopt when one of them
  // cannot be written there.
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
  Status ReclaimSpace() override;

  Result<bool> TryAcquireLease(const std::string& name, const std::string& owner,
                               TimestampMicros now, TimestampMicros expires) override;
  Result<bool> RenewLease(const std::string& name, const std::string& owner, TimestampMicros now,
                          TimestampMicros expires) override;
  Status ReleaseLease(const std::string& name, const std::string& owner) override;
  Result<std::string> LeaseOwner(const std::string& name, TimestampMicros now) override;

  // A reader connection, returned to the pool when the lease is destroyed.
  using ReaderLease = ReaderPool::Lease;
  Result<ReaderLease> AcquireReader() { return readers_.Acquire(); }
  // Begins `snapshot` (on a reader) and returns the published segment set that matches it.
  Result<std::shared_ptr<const SegmentSet>> SnapshotSegments(Connection& c, ReadSnapshot& snapshot);
  const SqliteStoreOptions& options() const { return options_; }

 private:
  SqliteStore(std::string path, SqliteStoreOptions options, std::unique_ptr<Connection> writer);
  // Opens (creating) the keys file of the database at `path`, whose token `writer` reads;
  // empties a keys file that does not hold it.
  static Result<std::unique_ptr<Connection>> OpenKeysFile(const std::string& path,
                                                          Connection& writer);

  // One queued insert request; its fields are borrowed from the InsertBatch call.
  struct PendingInsert {
    std::span<const ObjectWrites> batch;
    size_t rows;  // writes in the batch
    // Per object of the batch: its rows built before queueing as if no row of their id
    // existed, with derived columns.
    std::vector<std::vector<Result<model::Event>>>* fresh;
    std::vector<std::vector<DerivedColumns>>* derived;
    TimestampMicros now;
    Result<InsertResult> result = InternalError("insert not run");
  };
  Result<InsertResult> ApplyInsert(const PendingInsert& p, const SegmentSet& segments);
  Status ApplyObjectWrites(const PendingInsert& p, size_t g, const SegmentSet& segments,
                           InsertResult& result);
  void CommitGroup(const std::vector<PendingInsert*>& group);
  // Seals the open segment and opens the next once it is full. REQUIRES: write_mu_ held.
  Status MaybeSealOpenSegment();
  // The key worker's jobs (key_worker.h).
  void RunKeyJob(KeyJob job);
  // Builds the id filter of sealed segment `seg` on a reader and attaches it.
  void BuildIdFilterOf(int64_t seg);
  // Writes sealed segment `seg`'s key tables into the keys file from its OpenKeys, then
  // publishes the segment without them (its key tables and filter answer from then on). False
  // when there was nothing to write (the segment gone, or its tables already written).
  Result<bool> WriteKeysOf(int64_t seg);
  // Runs one kWriteKeys job; on failure queues it again to be tried after a delay (not when the
  // store is closing: its next open writes the tables).
  void RunWriteKeysJob(KeyJob job);
  // In the keys file: writes the key tables of each sealed segment that has none there or in
  // the database, or whose catalog row lacks keys_written (a store written by an earlier
  // version, a crash or power loss between a seal and its key tables, a keys file deleted),
  // from its table, one transaction per segment, and marks it; and drops key tables whose
  // segment the catalog (`catalog`: every segment number in it) no longer has. REQUIRES:
  // write_mu_ held, no key worker running.
  Status CompleteKeysFile(const SegmentSet& set, const std::vector<int64_t>& catalog);
  Status CompleteKeysFileAttached(const SegmentSet& set, const std::vector<int64_t>& catalog);
  // Drops, moves and empty segments a failure or another incarnation left: drops kDropping
  // segments, puts kMoving ones back, drops sealed segments with no rows. Holds the purge.
  Status FinishSegmentWork();
  // Finishes drops a crash interrupted, then reads the catalog, row key and filters.
  Status LoadSegmentState();
  // Removes sealed segments whose every row a due mark hides (see PurgeExpiredMarks).
  Status DropCoveredSegments(const std::vector<model::RetentionMark>& due,
                             std::vector<int64_t>* purged_per_mark);
  // Publishes sealed segment `victim` as moving to the open segment and copies the rows at `keys`
  // there (victim then holds the moving state and pin); on failure puts it back. REQUIRES:
  // write_mu_ not held (taken for each step).
  Status MoveRowsOut(Segment& victim, const std::vector<int64_t>& keys);
  // Puts a moving segment back to sealed (its copies deleted), in the catalog and published.
  Status UndoMoveInPlace(const Segment& moving);
  // Empties and drops an unpublished segment's table. Returns when it is gone.
  Status DropSegmentTable(Segment victim);
  // Lists in the open segment's keys the rows of segment `from` at `row_keys` (a JSON array)
  // before they are copied there. REQUIRES: write_mu_ held.
  Status AddOpenKeys(const std::string& open_table, const std::string& from,
                     const std::string& row_keys);

 public:
  // The published segments; holding the set keeps its tables from being dropped.
  std::shared_ptr<const SegmentSet> Segments() const { return segments_.Get(); }
  // Returns once the key worker has nothing queued or running (for tests and benches: a sealed
  // segment's key tables are then in the keys file). A write that fails is queued again, so
  // this waits through its retries, for as long as it keeps failing.
  void WaitForKeyWork() { key_worker_.WaitIdle(); }
  // The keys file beside the database at `path`.
  static std::string KeysFilePath(const std::string& path) { return path + "-keys"; }

 private:
  // Publishes edit(current) as the new set. Every change goes through here.
  void UpdateSegments(const std::function<void(SegmentSet&)>& edit) { segments_.Update(edit); }
  // Runs `sql` (catalog and table changes) and then `also` (more of the change, if given), and
  // replaces the events_all view with one over the edited set, in one transaction, then
  // publishes edit(current). REQUIRES: write_mu_ held.
  Status CommitSegmentChange(const std::string& sql, const std::function<void(SegmentSet&)>& edit,
                             const std::function<Status()>& also = nullptr);

  std::string path_;
  SqliteStoreOptions options_;
  GroupCommit<PendingInsert> inserts_{options_.group_commit_rows};
  std::mutex write_mu_;
  std::unique_ptr<Connection> writer_;  // guarded by write_mu_
  // Steady-clock microseconds of the last InsertEvents call's start or end.
  std::atomic<int64_t> last_insert_us_{0};
  void NoteInsert();
  // True while inserts are arriving (one started or ended within the last second).
  bool InsertsActive() const;
  PublishedSegments segments_;
  // What write_mu_ guards besides the writer connection.
  struct WriteState {
    int64_t next_row_key = 1;
    int64_t open_rows = 0;  // rows inserted into the open segment
    // The segment whose remaining rows a purge is copying to the open one, if any.
    std::string moving_from;
    // Marks whose rows a running purge is removing: restores that touch them are refused.
    std::vector<int64_t> purging_marks;
  };
  WriteState write_state_;  // guarded by write_mu_
  // The keys file's own connection (docs/storage.md, "The keys file"). Used by Open, then by
  // the key worker only.
  std::unique_ptr<Connection> keys_writer_;
  // The memory of a sealed segment's OpenKeys, for the next open segment's.
  std::shared_ptr<OpenKeys::Spares> key_spares_ = std::make_shared<OpenKeys::Spares>();
  std::mutex purge_mu_;  // one purge at a time
  ReaderPool readers_;
  // Its jobs use the members above: declared last, so that it goes first (~SqliteStore stops it
  // before anything else).
  KeyWorker key_worker_;
};

}  // namespace sluice::store::sqlite
