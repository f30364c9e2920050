// Export state and export file records on PostgreSQL (DESIGN.md §5, exactly once): a file is
// recorded as pending before its upload, and committed together with the cursor move in one
// transaction. Writes for one automation serialise on a transaction-scoped advisory lock.
#include "store/postgres/pg_store.h"

namespace sluice::store::postgres {

namespace {

constexpr char kFileColumns[] =
    "id, automation_id, run_id, key, date_folder, sequence, state, from_xact, from_row, "
    "xact_bound, row_limit, to_xact, to_row, rows, bytes, sha256, created";

ExportFile ReadFile(const Rows& r, int i) {
  ExportFile f;
  f.id = r.Int(i, 0);
  f.automation_id = r.Text(i, 1);
  f.run_id = r.Text(i, 2);
  f.key = r.Text(i, 3);
  f.date_folder = r.Text(i, 4);
  f.sequence = r.Int(i, 5);
  f.state = static_cast<ExportFileState>(r.Int(i, 6));
  f.from = {static_cast<uint64_t>(r.Int(i, 7)), r.Int(i, 8)};
  f.xact_bound = static_cast<uint64_t>(r.Int(i, 9));
  f.row_limit = r.Int(i, 10);
  f.to = {static_cast<uint64_t>(r.Int(i, 11)), r.Int(i, 12)};
  f.rows = r.Int(i, 13);
  f.bytes = r.Int(i, 14);
  f.sha256 = r.Text(i, 15);
  f.created = r.Int(i, 16);
  return f;
}

int64_t StateCode(ExportFileState s) { return static_cast<int64_t>(s); }

// Serialises export writes of one automation until the transaction ends.
Status LockAutomation(Connection& c, const std::string& automation_id) {
  return c
      .Query("SELECT pg_advisory_xact_lock(hashtext('export:' || $1))", Params().Add(automation_id))
      .status();
}

}  // namespace

Status PgStore::RegisterExport(const std::string& automation_id, const std::string& token_key_id,
                               TimestampMicros now) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  return c
      ->Query(
          "INSERT INTO export_state (automation_id, token_key_id, registered) "
          "VALUES ($1, $2, $3) ON CONFLICT (automation_id) DO UPDATE SET "
          "token_key_id = excluded.token_key_id, registered = excluded.registered",
          Params().Add(automation_id).Add(token_key_id).Add(now))
      .status();
}

Result<std::optional<ExportState>> PgStore::GetExportState(const std::string& automation_id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(Rows r,
                          c->Query("SELECT token_key_id, registered, cursor_xact, cursor_row "
                                   "FROM export_state WHERE automation_id = $1",
                                   Params().Add(automation_id)));
  if (r.size() == 0) return std::optional<ExportState>();
  return std::optional<ExportState>(ExportState{
      automation_id, r.Text(0, 0), r.Int(0, 1), {static_cast<uint64_t>(r.Int(0, 2)), r.Int(0, 3)}});
}

Result<int64_t> PgStore::NextExportSequence(const std::string& automation_id,
                                            const std::string& date_folder) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(Rows r,
                          c->Query("SELECT COALESCE(MAX(sequence), 0) + 1 FROM export_files "
                                   "WHERE automation_id = $1 AND date_folder = $2",
                                   Params().Add(automation_id).Add(date_folder)));
  return r.Int(0, 0);
}

Result<ExportFile> PgStore::AddPendingExportFile(const ExportFile& file) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  Transaction txn(*c);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  SLUICE_RETURN_IF_ERROR(LockAutomation(*c, file.automation_id));
  SLUICE_ASSIGN_OR_RETURN(
      Rows q, c->Query("SELECT COUNT(*) FROM export_files WHERE automation_id = $1 AND state = $2",
                       Params().Add(file.automation_id).Add(StateCode(ExportFileState::kPending))));
  if (q.Int(0, 0) > 0) {
    return FailedPreconditionError("automation " + file.automation_id +
                                   " already has a pending export file");
  }
  SLUICE_ASSIGN_OR_RETURN(
      Rows r,
      c->Query("INSERT INTO export_files (automation_id, run_id, key, date_folder, sequence, "
               "state, from_xact, from_row, xact_bound, row_limit, created) "
               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
               Params()
                   .Add(file.automation_id)
                   .Add(file.run_id)
                   .Add(file.key)
                   .Add(file.date_folder)
                   .Add(file.sequence)
                   .Add(StateCode(ExportFileState::kPending))
                   .Add(file.from.xact_id)
                   .Add(file.from.row_key)
                   .Add(file.xact_bound)
                   .Add(file.row_limit)
                   .Add(file.created)));
  ExportFile out = file;
  out.id = r.Int(0, 0);
  out.state = ExportFileState::kPending;
  SLUICE_RETURN_IF_ERROR(txn.Commit());
  return out;
}

Result<std::optional<ExportFile>> PgStore::FindPendingExportFile(const std::string& automation_id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(
      Rows r, c->Query(std::string("SELECT ") + kFileColumns +
                           " FROM export_files WHERE automation_id = $1 AND state = $2 "
                           "ORDER BY id LIMIT 1",
                       Params().Add(automation_id).Add(StateCode(ExportFileState::kPending))));
  if (r.size() == 0) return std::optional<ExportFile>();
  return std::optional<ExportFile>(ReadFile(r, 0));
}

Status PgStore::CommitExportFile(const ExportFile& file) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  Transaction txn(*c);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  SLUICE_RETURN_IF_ERROR(LockAutomation(*c, file.automation_id));
  SLUICE_ASSIGN_OR_RETURN(
      Rows f, c->Query("UPDATE export_files SET state = $1, to_xact = $2, to_row = $3, "
                       "rows = $4, bytes = $5, sha256 = $6 WHERE id = $7 AND state = $8",
                       Params()
                           .Add(StateCode(ExportFileState::kCommitted))
                           .Add(file.to.xact_id)
                           .Add(file.to.row_key)
                           .Add(file.rows)
                           .Add(file.bytes)
                           .Add(file.sha256)
                           .Add(file.id)
                           .Add(StateCode(ExportFileState::kPending))));
  if (f.Affected() != 1) {
    return AbortedError("export file " + file.key + " is no longer pending");
  }
  SLUICE_ASSIGN_OR_RETURN(
      Rows s, c->Query("UPDATE export_state SET cursor_xact = $1, cursor_row = $2 WHERE "
                       "automation_id = $3 AND cursor_xact = $4 AND cursor_row = $5",
                       Params()
                           .Add(file.to.xact_id)
                           .Add(file.to.row_key)
                           .Add(file.automation_id)
                           .Add(file.from.xact_id)
                           .Add(file.from.row_key)));
  if (s.Affected() != 1) {
    return AbortedError("the export cursor of automation " + file.automation_id + " moved");
  }
  return txn.Commit();
}

Status PgStore::ResetExport(const std::string& automation_id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  Transaction txn(*c);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  SLUICE_RETURN_IF_ERROR(LockAutomation(*c, automation_id));
  SLUICE_RETURN_IF_ERROR(c->Query("UPDATE export_state SET cursor_xact = 0, cursor_row = 0 "
                                  "WHERE automation_id = $1",
                                  Params().Add(automation_id))
                             .status());
  SLUICE_RETURN_IF_ERROR(
      c->Query("UPDATE export_files SET state = $1 WHERE automation_id = $2 AND state = $3",
               Params()
                   .Add(StateCode(ExportFileState::kAbandoned))
                   .Add(automation_id)
                   .Add(StateCode(ExportFileState::kPending)))
          .status());
  SLUICE_RETURN_IF_ERROR(
      c->Query("DELETE FROM automation_runs WHERE automation_id = $1", Params().Add(automation_id))
          .status());
  return txn.Commit();
}

Result<std::vector<ExportFile>> PgStore::ListExportFiles(const std::string& run_id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(
      Rows r, c->Query(std::string("SELECT ") + kFileColumns +
                           " FROM export_files WHERE run_id = $1 AND state = $2 ORDER BY id",
                       Params().Add(run_id).Add(StateCode(ExportFileState::kCommitted))));
  std::vector<ExportFile> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(ReadFile(r, i));
  return out;
}

}  // namespace sluice::store::postgres
