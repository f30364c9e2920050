// Export state and export file records on SQLite (DESIGN.md §5, exactly once): a file is
// recorded as pending before its upload, and committed together with the cursor move in one
// write transaction.
#include "store/sqlite/sqlite_store.h"

namespace sluice::store::sqlite {

namespace {

constexpr char kFileColumns[] =
    "id, automation_id, run_id, key, date_folder, sequence, state, from_xact, from_row, "
    "xact_bound, row_limit, to_xact, to_row, rows, bytes, sha256, created";

ExportFile ReadFile(const Statement& s) {
  ExportFile f;
  f.id = s.Int(0);
  f.automation_id = s.Text(1);
  f.run_id = s.Text(2);
  f.key = s.Text(3);
  f.date_folder = s.Text(4);
  f.sequence = s.Int(5);
  f.state = static_cast<ExportFileState>(s.Int(6));
  f.from = {static_cast<uint64_t>(s.Int(7)), s.Int(8)};
  f.xact_bound = static_cast<uint64_t>(s.Int(9));
  f.row_limit = s.Int(10);
  f.to = {static_cast<uint64_t>(s.Int(11)), s.Int(12)};
  f.rows = s.Int(13);
  f.bytes = s.Int(14);
  f.sha256 = s.Text(15);
  f.created = s.Int(16);
  return f;
}

int64_t StateCode(ExportFileState s) { return static_cast<int64_t>(s); }

}  // namespace

Status SqliteStore::RegisterExport(const std::string& automation_id,
                                   const std::string& token_key_id, TimestampMicros now) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SLUICE_ASSIGN_OR_RETURN(
      Statement * s,
      writer_->Prepare("INSERT INTO export_state (automation_id, token_key_id, registered) "
                       "VALUES (?,?,?) ON CONFLICT (automation_id) DO UPDATE SET "
                       "token_key_id = excluded.token_key_id, registered = excluded.registered"));
  return s->Bind(1, automation_id).Bind(2, token_key_id).Bind(3, now).Run();
}

Result<std::optional<ExportState>> SqliteStore::GetExportState(const std::string& automation_id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  SLUICE_ASSIGN_OR_RETURN(
      Statement * s,
      c->Prepare("SELECT token_key_id, registered, cursor_xact, cursor_row FROM export_state "
                 "WHERE automation_id = ?"));
  s->Bind(1, automation_id);
  SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
  std::optional<ExportState> out;
  if (row) {
    out = ExportState{
        automation_id, s->Text(0), s->Int(1), {static_cast<uint64_t>(s->Int(2)), s->Int(3)}};
  }
  s->Reset();
  return out;
}

Result<int64_t> SqliteStore::NextExportSequence(const std::string& automation_id,
                                                const std::string& date_folder) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  SLUICE_ASSIGN_OR_RETURN(
      Statement * s, c->Prepare("SELECT COALESCE(MAX(sequence), 0) + 1 FROM export_files WHERE "
                                "automation_id = ? AND date_folder = ?"));
  s->Bind(1, automation_id).Bind(2, date_folder);
  SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
  const int64_t next = row ? s->Int(0) : 1;
  s->Reset();
  return next;
}

Result<ExportFile> SqliteStore::AddPendingExportFile(const ExportFile& file) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Transaction txn(*writer_);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  SLUICE_ASSIGN_OR_RETURN(
      Statement * q,
      writer_->Prepare("SELECT COUNT(*) FROM export_files WHERE automation_id = ? AND state = ?"));
  q->Bind(1, file.automation_id).Bind(2, StateCode(ExportFileState::kPending));
  SLUICE_ASSIGN_OR_RETURN(bool row, q->Step());
  const int64_t pending = row ? q->Int(0) : 0;
  q->Reset();
  if (pending > 0) {
    return FailedPreconditionError("automation " + file.automation_id +
                                   " already has a pending export file");
  }
  SLUICE_ASSIGN_OR_RETURN(
      Statement * s,
      writer_->Prepare("INSERT INTO export_files (automation_id, run_id, key, date_folder, "
                       "sequence, state, from_xact, from_row, xact_bound, row_limit, created) "
                       "VALUES (?,?,?,?,?,?,?,?,?,?,?)"));
  SLUICE_RETURN_IF_ERROR(s->Bind(1, file.automation_id)
                             .Bind(2, file.run_id)
                             .Bind(3, file.key)
                             .Bind(4, file.date_folder)
                             .Bind(5, file.sequence)
                             .Bind(6, StateCode(ExportFileState::kPending))
                             .Bind(7, static_cast<int64_t>(file.from.xact_id))
                             .Bind(8, file.from.row_key)
                             .Bind(9, static_cast<int64_t>(file.xact_bound))
                             .Bind(10, file.row_limit)
                             .Bind(11, file.created)
                             .Run());
  ExportFile out = file;
  out.id = sqlite3_last_insert_rowid(writer_->raw());
  out.state = ExportFileState::kPending;
  SLUICE_RETURN_IF_ERROR(txn.Commit());
  return out;
}

Result<std::optional<ExportFile>> SqliteStore::FindPendingExportFile(
    const std::string& automation_id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  SLUICE_ASSIGN_OR_RETURN(Statement * s,
                          c->Prepare(std::string("SELECT ") + kFileColumns +
                                     " FROM export_files WHERE automation_id = ? AND state = ? "
                                     "ORDER BY id LIMIT 1"));
  s->Bind(1, automation_id).Bind(2, StateCode(ExportFileState::kPending));
  SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
  std::optional<ExportFile> out;
  if (row) out = ReadFile(*s);
  s->Reset();
  return out;
}

Status SqliteStore::CommitExportFile(const ExportFile& file) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Transaction txn(*writer_);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  SLUICE_ASSIGN_OR_RETURN(
      Statement * f,
      writer_->Prepare("UPDATE export_files SET state = ?, to_xact = ?, to_row = ?, rows = ?, "
                       "bytes = ?, sha256 = ? WHERE id = ? AND state = ?"));
  SLUICE_RETURN_IF_ERROR(f->Bind(1, StateCode(ExportFileState::kCommitted))
                             .Bind(2, static_cast<int64_t>(file.to.xact_id))
                             .Bind(3, file.to.row_key)
                             .Bind(4, file.rows)
                             .Bind(5, file.bytes)
                             .Bind(6, file.sha256)
                             .Bind(7, file.id)
                             .Bind(8, StateCode(ExportFileState::kPending))
                             .Run());
  if (writer_->Changes() != 1) {
    return Status(StatusCode::kAborted, "export file " + file.key + " is no longer pending");
  }
  SLUICE_ASSIGN_OR_RETURN(
      Statement * c,
      writer_->Prepare("UPDATE export_state SET cursor_xact = ?, cursor_row = ? WHERE "
                       "automation_id = ? AND cursor_xact = ? AND cursor_row = ?"));
  SLUICE_RETURN_IF_ERROR(c->Bind(1, static_cast<int64_t>(file.to.xact_id))
                             .Bind(2, file.to.row_key)
                             .Bind(3, file.automation_id)
                             .Bind(4, static_cast<int64_t>(file.from.xact_id))
                             .Bind(5, file.from.row_key)
                             .Run());
  if (writer_->Changes() != 1) {
    return Status(StatusCode::kAborted,
                  "the export cursor of automation " + file.automation_id + " moved");
  }
  return txn.Commit();
}

Status SqliteStore::ResetExport(const std::string& automation_id) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Transaction txn(*writer_);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  SLUICE_ASSIGN_OR_RETURN(
      Statement * c, writer_->Prepare("UPDATE export_state SET cursor_xact = 0, cursor_row = 0 "
                                      "WHERE automation_id = ?"));
  SLUICE_RETURN_IF_ERROR(c->Bind(1, automation_id).Run());
  SLUICE_ASSIGN_OR_RETURN(
      Statement * f, writer_->Prepare("UPDATE export_files SET state = ? WHERE automation_id = ? "
                                      "AND state = ?"));
  SLUICE_RETURN_IF_ERROR(f->Bind(1, StateCode(ExportFileState::kAbandoned))
                             .Bind(2, automation_id)
                             .Bind(3, StateCode(ExportFileState::kPending))
                             .Run());
  SLUICE_ASSIGN_OR_RETURN(Statement * r,
                          writer_->Prepare("DELETE FROM automation_runs WHERE automation_id = ?"));
  SLUICE_RETURN_IF_ERROR(r->Bind(1, automation_id).Run());
  return txn.Commit();
}

Result<std::vector<ExportFile>> SqliteStore::ListExportFiles(const std::string& run_id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  SLUICE_ASSIGN_OR_RETURN(Statement * s,
                          c->Prepare(std::string("SELECT ") + kFileColumns +
                                     " FROM export_files WHERE run_id = ? AND state = ? "
                                     "ORDER BY id"));
  s->Bind(1, run_id).Bind(2, StateCode(ExportFileState::kCommitted));
  std::vector<ExportFile> out;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(ReadFile(*s));
  }
  return out;
}

}  // namespace sluice::store::sqlite
