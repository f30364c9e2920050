// Automations and their run history on SQLite.
#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::store::sqlite {

namespace {

constexpr char kRunColumns[] =
    "id, automation_id, trigger, status, started, finished, stats, error";

model::AutomationRun ReadRun(const Statement& s) {
  model::AutomationRun r;
  r.id = s.Text(0);
  r.automation_id = s.Text(1);
  r.trigger = static_cast<model::RunTrigger>(s.Int(2));
  r.status = static_cast<model::RunStatus>(s.Int(3));
  r.started = s.Int(4);
  if (!s.IsNull(5)) r.finished = s.Int(5);
  auto stats = Json::Parse(s.TextView(6));
  if (stats.ok()) r.stats = std::move(stats).value();
  r.error = s.Text(7);
  return r;
}

}  // namespace

Result<model::Automation> SqliteStore::CreateAutomation(const model::Automation& a) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SLUICE_ASSIGN_OR_RETURN(
      Statement * s,
      writer_->Prepare("INSERT INTO automations (id, org_id, project_id, name, description, "
                       "created, type, config) VALUES (?,?,?,?,?,?,?,?)"));
  Status st = s->Bind(1, a.id)
                  .Bind(2, a.org_id)
                  .Bind(3, a.project_id)
                  .Bind(4, a.name)
                  .BindOrNull(5, a.description)
                  .Bind(6, a.created)
                  .Bind(7, static_cast<int64_t>(a.type))
                  .Bind(8, a.config.ToString())
                  .Run();
  if (st.code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("an automation named \"" + a.name + "\" already exists");
  }
  SLUICE_RETURN_IF_ERROR(st);
  return a;
}

Result<model::Automation> SqliteStore::GetAutomation(const std::string& id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  SLUICE_ASSIGN_OR_RETURN(Statement * s, c->Prepare(std::string("SELECT ") + kAutomationColumns +
                                                    " FROM automations WHERE id = ?"));
  s->Bind(1, id);
  SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return NotFoundError("automation " + id + " not found");
  model::Automation a = ReadAutomation(*s);
  s->Reset();
  return a;
}

Result<std::optional<model::Automation>> SqliteStore::FindAutomationByName(
    const std::string& project_id, const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  SLUICE_ASSIGN_OR_RETURN(Statement * s,
                          c->Prepare(std::string("SELECT ") + kAutomationColumns +
                                     " FROM automations WHERE project_id = ? AND name = ?"));
  s->Bind(1, project_id).Bind(2, name);
  SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
  std::optional<model::Automation> out;
  if (row) out = ReadAutomation(*s);
  s->Reset();
  return out;
}

Result<std::vector<model::Automation>> SqliteStore::ListAutomations(const std::string& org_id,
                                                                    const ListOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  return QueryAutomations(*c, "org_id = ?", {org_id}, options);
}

Status SqliteStore::UpdateAutomation(const model::Automation& a) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SLUICE_ASSIGN_OR_RETURN(
      Statement * s,
      writer_->Prepare(
          "UPDATE automations SET name = ?, description = ?, config = ? WHERE id = ?"));
  Status st = s->Bind(1, a.name)
                  .BindOrNull(2, a.description)
                  .Bind(3, a.config.ToString())
                  .Bind(4, a.id)
                  .Run();
  if (st.code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("an automation named \"" + a.name + "\" already exists");
  }
  SLUICE_RETURN_IF_ERROR(st);
  if (writer_->Changes() == 0) return NotFoundError("automation " + a.id + " not found");
  return Status();
}

Status SqliteStore::DeleteAutomation(const std::string& id) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Transaction txn(*writer_);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  SLUICE_ASSIGN_OR_RETURN(Statement * s, writer_->Prepare("DELETE FROM automations WHERE id = ?"));
  SLUICE_RETURN_IF_ERROR(s->Bind(1, id).Run());
  if (writer_->Changes() == 0) return NotFoundError("automation " + id + " not found");
  SLUICE_ASSIGN_OR_RETURN(Statement * r,
                          writer_->Prepare("DELETE FROM automation_runs WHERE automation_id = ?"));
  SLUICE_RETURN_IF_ERROR(r->Bind(1, id).Run());
  // The export's registration and cursor go with it; its file records stay as history.
  SLUICE_ASSIGN_OR_RETURN(Statement * e,
                          writer_->Prepare("DELETE FROM export_state WHERE automation_id = ?"));
  SLUICE_RETURN_IF_ERROR(e->Bind(1, id).Run());
  return txn.Commit();
}

Status SqliteStore::SaveRun(const model::AutomationRun& run) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SLUICE_ASSIGN_OR_RETURN(
      Statement * s,
      writer_->Prepare("INSERT INTO automation_runs (id, automation_id, trigger, status, started, "
                       "finished, stats, error) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (id) DO "
                       "UPDATE SET status = excluded.status, finished = excluded.finished, "
                       "stats = excluded.stats, error = excluded.error"));
  s->Bind(1, run.id)
      .Bind(2, run.automation_id)
      .Bind(3, static_cast<int64_t>(run.trigger))
      .Bind(4, static_cast<int64_t>(run.status))
      .Bind(5, run.started);
  if (run.finished) {
    s->Bind(6, *run.finished);
  } else {
    s->BindNull(6);
  }
  return s->Bind(7, run.stats.ToString()).BindOrNull(8, run.error).Run();
}

Result<std::optional<model::AutomationRun>> SqliteStore::GetRun(const std::string& run_id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  SLUICE_ASSIGN_OR_RETURN(Statement * s, c->Prepare(std::string("SELECT ") + kRunColumns +
                                                    " FROM automation_runs WHERE id = ?"));
  s->Bind(1, run_id);
  SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
  std::optional<model::AutomationRun> out;
  if (row) out = ReadRun(*s);
  s->Reset();
  return out;
}

Result<std::vector<model::AutomationRun>> SqliteStore::ListRuns(const std::string& automation_id,
                                                                int64_t limit,
                                                                const std::string& before_run_id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  std::string sql =
      std::string("SELECT ") + kRunColumns + " FROM automation_runs WHERE automation_id = ?1";
  if (!before_run_id.empty()) sql += " AND seq < (SELECT seq FROM automation_runs WHERE id = ?2)";
  sql += " ORDER BY seq DESC LIMIT " + std::to_string(limit > 0 ? limit : 20);
  SLUICE_ASSIGN_OR_RETURN(Statement * s, c->Prepare(sql));
  s->Bind(1, automation_id);
  if (!before_run_id.empty()) s->Bind(2, before_run_id);
  std::vector<model::AutomationRun> out;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(ReadRun(*s));
  }
  return out;
}

}  // namespace sluice::store::sqlite

namespace sluice::store::sqlite {

// Leases: one upsert under the write lock; the WHERE keeps a live lease of another owner.
Result<bool> SqliteStore::TryAcquireLease(const std::string& name, const std::string& owner,
                                          TimestampMicros now, TimestampMicros expires) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SLUICE_ASSIGN_OR_RETURN(
      Statement * s,
      writer_->Prepare("INSERT INTO leases (name, owner, expires) VALUES (?1, ?2, ?4) "
                       "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, "
                       "expires = excluded.expires "
                       "WHERE leases.owner = ?2 OR leases.expires <= ?3"));
  SLUICE_RETURN_IF_ERROR(s->Bind(1, name).Bind(2, owner).Bind(3, now).Bind(4, expires).Run());
  return writer_->Changes() > 0;
}

Result<bool> SqliteStore::RenewLease(const std::string& name, const std::string& owner,
                                     TimestampMicros now, TimestampMicros expires) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SLUICE_ASSIGN_OR_RETURN(Statement * s,
                          writer_->Prepare("UPDATE leases SET expires = ?4 WHERE name = ?1 AND "
                                           "owner = ?2 AND expires > ?3"));
  SLUICE_RETURN_IF_ERROR(s->Bind(1, name).Bind(2, owner).Bind(3, now).Bind(4, expires).Run());
  return writer_->Changes() > 0;
}

Status SqliteStore::ReleaseLease(const std::string& name, const std::string& owner) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SLUICE_ASSIGN_OR_RETURN(Statement * s,
                          writer_->Prepare("DELETE FROM leases WHERE name = ?1 AND owner = ?2"));
  return s->Bind(1, name).Bind(2, owner).Run();
}

Result<std::string> SqliteStore::LeaseOwner(const std::string& name, TimestampMicros now) {
  SLUICE_ASSIGN_OR_RETURN(auto c, AcquireReader());
  SLUICE_ASSIGN_OR_RETURN(Statement * s,
                          c->Prepare("SELECT owner FROM leases WHERE name = ? AND expires > ?"));
  s->Bind(1, name).Bind(2, now);
  SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
  std::string owner = row ? s->Text(0) : "";
  s->Reset();
  return owner;
}

}  // namespace sluice::store::sqlite
