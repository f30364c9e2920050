// Automations and their run history on PostgreSQL.
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_store.h"

namespace sluice::store::postgres {

namespace {

constexpr char kRunColumns[] =
    "id, automation_id, trigger, status, started, finished, stats, error";

model::AutomationRun ReadRun(const Rows& r, int i) {
  model::AutomationRun run;
  run.id = r.Text(i, 0);
  run.automation_id = r.Text(i, 1);
  run.trigger = static_cast<model::RunTrigger>(r.Int(i, 2));
  run.status = static_cast<model::RunStatus>(r.Int(i, 3));
  run.started = r.Int(i, 4);
  if (!r.IsNull(i, 5)) run.finished = r.Int(i, 5);
  auto stats = Json::Parse(r.View(i, 6));
  if (stats.ok()) run.stats = std::move(stats).value();
  run.error = r.Text(i, 7);
  return run;
}

Status NameTaken(const Status& st, const std::string& name) {
  if (st.code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("an automation named \"" + name + "\" already exists");
  }
  return st;
}

}  // namespace

Result<model::Automation> PgStore::CreateAutomation(const model::Automation& a) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  auto r = c->Query(
      "INSERT INTO automations (id, org_id, project_id, name, description, "
      "created, type, config) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      Params()
          .Add(a.id)
          .Add(a.org_id)
          .Add(a.project_id)
          .Add(a.name)
          .AddOrNull(a.description)
          .Add(a.created)
          .Add(static_cast<int64_t>(a.type))
          .Add(a.config.ToString()));
  SLUICE_RETURN_IF_ERROR(NameTaken(r.status(), a.name));
  return a;
}

Result<model::Automation> PgStore::GetAutomation(const std::string& id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(auto v, QueryAutomations(*c, "id = $1", {id}, LimitOne()));
  if (v.empty()) return NotFoundError("automation " + id + " not found");
  return v[0];
}

Result<std::optional<model::Automation>> PgStore::FindAutomationByName(
    const std::string& project_id, const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(auto v, QueryAutomations(*c, "project_id = $1 AND name = $2",
                                                   {project_id, name}, LimitOne()));
  if (v.empty()) return std::optional<model::Automation>();
  return std::optional<model::Automation>(v[0]);
}

Result<std::vector<model::Automation>> PgStore::ListAutomations(const std::string& org_id,
                                                                const ListOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  return QueryAutomations(*c, "org_id = $1", {org_id}, options);
}

Status PgStore::UpdateAutomation(const model::Automation& a) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  auto r = c->Query(
      "UPDATE automations SET name = $1, description = $2, config = $3 "
      "WHERE id = $4",
      Params().Add(a.name).AddOrNull(a.description).Add(a.config.ToString()).Add(a.id));
  SLUICE_RETURN_IF_ERROR(NameTaken(r.status(), a.name));
  if (r->Affected() == 0) return NotFoundError("automation " + a.id + " not found");
  return Status();
}

Status PgStore::DeleteAutomation(const std::string& id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  Transaction txn(*c);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  SLUICE_ASSIGN_OR_RETURN(Rows r,
                          c->Query("DELETE FROM automations WHERE id = $1", Params().Add(id)));
  if (r.Affected() == 0) return NotFoundError("automation " + id + " not found");
  SLUICE_RETURN_IF_ERROR(
      c->Query("DELETE FROM automation_runs WHERE automation_id = $1", Params().Add(id)).status());
  // The export's registration and cursor go with it; its file records stay as history.
  SLUICE_RETURN_IF_ERROR(
      c->Query("DELETE FROM export_state WHERE automation_id = $1", Params().Add(id)).status());
  return txn.Commit();
}

Status PgStore::SaveRun(const model::AutomationRun& run) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  Params p;
  p.Add(run.id)
      .Add(run.automation_id)
      .Add(static_cast<int64_t>(run.trigger))
      .Add(static_cast<int64_t>(run.status))
      .Add(run.started);
  if (run.finished) {
    p.Add(*run.finished);
  } else {
    p.AddNull();
  }
  p.Add(run.stats.ToString()).AddOrNull(run.error);
  return c
      ->Query(
          "INSERT INTO automation_runs (id, automation_id, trigger, status, started, "
          "finished, stats, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
          "ON CONFLICT (id) DO UPDATE SET status = excluded.status, "
          "finished = excluded.finished, stats = excluded.stats, error = excluded.error",
          p)
      .status();
}

Result<std::optional<model::AutomationRun>> PgStore::GetRun(const std::string& run_id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(
      Rows r, c->Query(std::string("SELECT ") + kRunColumns + " FROM automation_runs WHERE id = $1",
                       Params().Add(run_id)));
  if (r.size() == 0) return std::optional<model::AutomationRun>();
  return std::optional<model::AutomationRun>(ReadRun(r, 0));
}

Result<std::vector<model::AutomationRun>> PgStore::ListRuns(const std::string& automation_id,
                                                            int64_t limit,
                                                            const std::string& before_run_id) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  std::string sql =
      std::string("SELECT ") + kRunColumns + " FROM automation_runs WHERE automation_id = $1";
  Params p;
  p.Add(automation_id);
  if (!before_run_id.empty()) {
    sql += " AND seq < (SELECT seq FROM automation_runs WHERE id = $2)";
    p.Add(before_run_id);
  }
  sql += " ORDER BY seq DESC LIMIT " + std::to_string(limit > 0 ? limit : 20);
  SLUICE_ASSIGN_OR_RETURN(Rows r, c->Query(sql, p));
  std::vector<model::AutomationRun> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(ReadRun(r, i));
  return out;
}

}  // namespace sluice::store::postgres

namespace sluice::store::postgres {

// Leases: each call is one statement. Racing inserts of a free name serialize on the row (ON
// CONFLICT re-checks the WHERE against the newest version), so exactly one owner wins.
Result<bool> PgStore::TryAcquireLease(const std::string& name, const std::string& owner,
                                      TimestampMicros now, TimestampMicros expires) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(
      Rows r, c->Query("INSERT INTO leases (name, owner, expires) VALUES ($1, $2, $4) "
                       "ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, "
                       "expires = EXCLUDED.expires "
                       "WHERE leases.owner = $2 OR leases.expires <= $3 RETURNING owner",
                       Params().Add(name).Add(owner).Add(now).Add(expires)));
  return r.size() > 0;
}

Result<bool> PgStore::RenewLease(const std::string& name, const std::string& owner,
                                 TimestampMicros now, TimestampMicros expires) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(Rows r, c->Query("UPDATE leases SET expires = $4 WHERE name = $1 AND "
                                           "owner = $2 AND expires > $3",
                                           Params().Add(name).Add(owner).Add(now).Add(expires)));
  return r.Affected() > 0;
}

Status PgStore::ReleaseLease(const std::string& name, const std::string& owner) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  return c
      ->Query("DELETE FROM leases WHERE name = $1 AND owner = $2", Params().Add(name).Add(owner))
      .status();
}

Result<std::string> PgStore::LeaseOwner(const std::string& name, TimestampMicros now) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Acquire());
  SLUICE_ASSIGN_OR_RETURN(Rows r, c->Query("SELECT owner FROM leases WHERE name = $1 AND "
                                           "expires > $2",
                                           Params().Add(name).Add(now)));
  return r.size() > 0 ? r.Text(0, 0) : std::string();
}

}  // namespace sluice::store::postgres
