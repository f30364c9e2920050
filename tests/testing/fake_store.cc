#include "testing/fake_store.h"

#include <algorithm>
#include <limits>

#include "common/uuid.h"
#include "store/store_sql.h"
#include "testing/fake_event_source.h"

namespace sluice::testing {
namespace {

// The list endpoints' page (store::ListOptions) over items in creation order: newest first,
// after (older than) or before (newer than) an id, filtered by name, project and ids.
template <typename T, typename Keep>
std::vector<T> Page(const std::vector<T>& items, const store::ListOptions& o, Keep keep) {
  auto index_of = [&items](const std::string& id) -> int64_t {
    for (size_t i = 0; i < items.size(); ++i) {
      if (items[i].id == id) return static_cast<int64_t>(i);
    }
    return -1;
  };
  const size_t limit = o.limit > 0 ? static_cast<size_t>(o.limit) : 1000;
  std::vector<T> out;
  auto wanted = [&](const T& x) {
    if (!keep(x)) return false;
    if constexpr (requires { x.name; }) {
      if (!o.name.empty() && x.name != o.name) return false;
    }
    if (!o.ids.empty() && std::find(o.ids.begin(), o.ids.end(), x.id) == o.ids.end()) {
      return false;
    }
    return true;
  };
  if (!o.ending_before.empty()) {
    const int64_t from = index_of(o.ending_before);
    for (size_t i = static_cast<size_t>(from + 1); i < items.size() && out.size() < limit; ++i) {
      if (from >= 0 && wanted(items[i])) out.push_back(items[i]);
    }
    std::reverse(out.begin(), out.end());
    return out;
  }
  int64_t end = static_cast<int64_t>(items.size());
  if (!o.starting_after.empty()) end = index_of(o.starting_after);
  for (int64_t i = end - 1; i >= 0 && out.size() < limit; --i) {
    if (wanted(items[static_cast<size_t>(i)])) out.push_back(items[static_cast<size_t>(i)]);
  }
  return out;
}

template <typename T>
const T* FindById(const std::vector<T>& items, const std::string& id) {
  for (const T& x : items) {
    if (x.id == id) return &x;
  }
  return nullptr;
}

// The stored size of a row: the lengths of its text fields.
int64_t StoredBytes(const model::Event& e) {
  int64_t n = static_cast<int64_t>(e.id.size() + e.span_id.size() + e.root_span_id.size());
  for (const std::string& s : e.span_parents) n += static_cast<int64_t>(s.size());
  for (const std::string& s : e.tags) n += static_cast<int64_t>(s.size());
  for (const model::JsonField& f : model::kJsonFields) {
    n += static_cast<int64_t>((e.*f.member).size());
  }
  return n;
}

}  // namespace

// ---- catalog ----

Result<model::Org> FakeStore::CreateOrg(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  orgs_.push_back({NewUuid(), name, 0});
  return orgs_.back();
}

Result<int64_t> FakeStore::CountOrgs() {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int64_t>(orgs_.size());
}

Result<std::vector<model::Org>> FakeStore::ListOrgs() {
  std::lock_guard<std::mutex> lock(mu_);
  return orgs_;
}

const model::Project* FakeStore::ProjectOf(const std::string& project_id) const {
  return FindById(projects_, project_id);
}

Result<model::Project> FakeStore::CreateProject(const model::Project& p) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const model::Project& x : projects_) {
    if (x.org_id == p.org_id && x.name == p.name) {
      return AlreadyExistsError("project " + p.name + " exists");
    }
  }
  projects_.push_back(p);
  return p;
}

Result<model::Project> FakeStore::GetProject(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  const model::Project* p = ProjectOf(id);
  if (p == nullptr) return NotFoundError("project " + id + " not found");
  return *p;
}

Result<std::optional<model::Project>> FakeStore::FindProjectByName(const std::string& org_id,
                                                                   const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const model::Project& p : projects_) {
    if (p.org_id == org_id && p.name == name) return std::optional<model::Project>(p);
  }
  return std::optional<model::Project>();
}

Result<std::vector<model::Project>> FakeStore::ListProjects(const std::string& org_id,
                                                            const store::ListOptions& o) {
  std::lock_guard<std::mutex> lock(mu_);
  return Page(projects_, o, [&](const model::Project& p) { return p.org_id == org_id; });
}

bool FakeStore::ExperimentHidden(const std::string& id) const {
  for (const Mark& m : marks_) {
    if (m.mark.state == model::MarkState::kActive &&
        m.mark.object.type == model::ObjectType::kExperiment && m.mark.object.id == id &&
        m.mark.cutoff == std::numeric_limits<int64_t>::max()) {
      return true;
    }
  }
  return false;
}

Result<model::Experiment> FakeStore::CreateExperiment(const model::Experiment& e) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const model::Experiment& x : experiments_) {
    if (x.project_id == e.project_id && x.name == e.name) {
      return AlreadyExistsError("experiment " + e.name + " exists");
    }
  }
  experiments_.push_back(e);
  return e;
}

Result<model::Experiment> FakeStore::GetExperiment(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  const model::Experiment* e = FindById(experiments_, id);
  if (e == nullptr || ExperimentHidden(id)) return NotFoundError("experiment " + id);
  return *e;
}

Result<std::optional<model::Experiment>> FakeStore::FindExperimentByName(
    const std::string& project_id, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const model::Experiment& e : experiments_) {
    if (e.project_id == project_id && e.name == name && !ExperimentHidden(e.id)) {
      return std::optional<model::Experiment>(e);
    }
  }
  return std::optional<model::Experiment>();
}

Result<std::vector<model::Experiment>> FakeStore::ListExperiments(const std::string& org_id,
                                                                  const store::ListOptions& o) {
  std::lock_guard<std::mutex> lock(mu_);
  return Page(experiments_, o, [&](const model::Experiment& e) {
    const model::Project* p = ProjectOf(e.project_id);
    return p != nullptr && p->org_id == org_id && !ExperimentHidden(e.id) &&
           (o.project_id.empty() || e.project_id == o.project_id);
  });
}

Result<model::Dataset> FakeStore::CreateDataset(const model::Dataset& d) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const model::Dataset& x : datasets_) {
    if (x.project_id == d.project_id && x.name == d.name) {
      return AlreadyExistsError("dataset " + d.name + " exists");
    }
  }
  datasets_.push_back(d);
  return d;
}

Result<model::Dataset> FakeStore::GetDataset(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  const model::Dataset* d = FindById(datasets_, id);
  if (d == nullptr) return NotFoundError("dataset " + id);
  return *d;
}

Result<std::optional<model::Dataset>> FakeStore::FindDatasetByName(const std::string& project_id,
                                                                   const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const model::Dataset& d : datasets_) {
    if (d.project_id == project_id && d.name == name) return std::optional<model::Dataset>(d);
  }
  return std::optional<model::Dataset>();
}

Result<std::vector<model::Dataset>> FakeStore::ListDatasets(const std::string& org_id,
                                                            const store::ListOptions& o) {
  std::lock_guard<std::mutex> lock(mu_);
  return Page(datasets_, o, [&](const model::Dataset& d) {
    const model::Project* p = ProjectOf(d.project_id);
    return p != nullptr && p->org_id == org_id &&
           (o.project_id.empty() || d.project_id == o.project_id);
  });
}

Status FakeStore::CreateApiKey(const model::ApiKey& key) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const model::ApiKey& k : keys_) {
    if (k.id == key.id || k.lookup == key.lookup) return AlreadyExistsError("key exists");
  }
  keys_.push_back(key);
  return Status();
}

Result<std::optional<model::ApiKey>> FakeStore::FindApiKeyByLookup(const std::string& lookup) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const model::ApiKey& k : keys_) {
    if (k.lookup == lookup) return std::optional<model::ApiKey>(k);
  }
  return std::optional<model::ApiKey>();
}

Result<std::vector<model::ApiKey>> FakeStore::ListApiKeys(const std::string& org_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<model::ApiKey> out;
  for (const model::ApiKey& k : keys_) {
    if (k.org_id == org_id) out.push_back(k);
  }
  return out;
}

Status FakeStore::RevokeApiKey(const std::string& org_id, const std::string& key_id,
                               TimestampMicros now) {
  std::lock_guard<std::mutex> lock(mu_);
  for (model::ApiKey& k : keys_) {
    if (k.org_id == org_id && k.id == key_id) {
      if (!k.revoked) k.revoked = now;
      return Status();
    }
  }
  return NotFoundError("key " + key_id + " not found");
}

// ---- events ----

bool FakeStore::Hides(const Mark& m, const model::Event& row) const {
  return m.mark.state == model::MarkState::kActive && m.mark.object == row.object &&
         row.created < m.mark.cutoff && row.xact_id <= m.mark.max_xact_id &&
         !m.exempt.contains(row.row_key);
}

bool FakeStore::Hidden(const model::Event& row) const {
  return std::any_of(marks_.begin(), marks_.end(), [&](const Mark& m) { return Hides(m, row); });
}

std::vector<model::Event> FakeStore::Visible(const model::ScanRequest& request) const {
  std::vector<model::Event> out;
  for (const model::Event& e : rows_) {
    if (e.object == request.object && !Hidden(e)) out.push_back(e);
  }
  return out;
}

Result<std::unique_ptr<model::EventStream>> FakeStore::Scan(const model::ScanRequest& request) {
  SLUICE_RETURN_IF_ERROR(store::CheckScanRequest(request));
  std::lock_guard<std::mutex> lock(mu_);
  FakeEventSource source(Visible(request));  // the stream holds its own copy of the rows
  return source.Scan(request);
}

Status FakeStore::ApplyWrites(const store::ObjectWrites& o, TimestampMicros now, uint64_t xact_id,
                              int64_t* row_key, std::vector<model::Event>& rows,
                              store::InsertResult& result) const {
  for (const model::EventWrite& w : o.writes) {
    result.row_ids.push_back(w.id);
    auto it = std::find_if(rows.begin(), rows.end(), [&](const model::Event& e) {
      return e.object == o.object && e.id == w.id;
    });
    std::optional<model::Event> existing;
    if (it != rows.end()) {
      // A row hidden by retention counts as absent; the new version replaces it either way.
      if (!Hidden(*it)) existing = *it;
      rows.erase(it);
    }
    if (w.object_delete) {
      result.rows_deleted += existing ? 1 : 0;
      continue;
    }
    SLUICE_ASSIGN_OR_RETURN(model::Event e,
                            model::ApplyEventWrite(w, existing ? &*existing : nullptr, now));
    e.object = o.object;
    e.org_id = o.org_id;
    e.project_id = o.project_id;
    e.xact_id = xact_id;
    e.row_key = (*row_key)++;
    rows.push_back(std::move(e));
    ++result.rows_written;
  }
  return Status();
}

Result<store::InsertResult> FakeStore::InsertBatch(std::span<const store::ObjectWrites> batch,
                                                   TimestampMicros now) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<model::Event> rows = rows_;  // all or nothing: applied to a copy
  store::InsertResult result;
  result.xact_id = xact_id_ + 1;
  int64_t row_key = next_row_key_;
  for (const store::ObjectWrites& o : batch) {
    SLUICE_RETURN_IF_ERROR(ApplyWrites(o, now, result.xact_id, &row_key, rows, result));
  }
  rows_ = std::move(rows);
  xact_id_ = result.xact_id;
  next_row_key_ = row_key;
  return result;
}

Result<std::optional<model::Event>> FakeStore::GetEvent(const model::ObjectRef& object,
                                                        const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const model::Event& e : rows_) {
    if (e.object == object && e.id == id && !Hidden(e)) return std::optional<model::Event>(e);
  }
  return std::optional<model::Event>();
}

Result<bool> FakeStore::RowExists(const model::ObjectRef& object, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  // Purged rows are gone from rows_; a row a restorable mark hides is still here.
  for (const model::Event& e : rows_) {
    if (e.object == object && e.id == id) return true;
  }
  return false;
}

Result<uint64_t> FakeStore::MaxXactId() {
  std::lock_guard<std::mutex> lock(mu_);
  return xact_id_;
}

Result<int64_t> FakeStore::CountRows(const model::ScanRequest& request) {
  SLUICE_ASSIGN_OR_RETURN(auto stream, Scan(request));
  int64_t n = 0;
  model::Event e;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(bool more, stream->Next(&e));
    if (!more) return n;
    ++n;
  }
}

Result<std::optional<model::XactCursor>> FakeStore::NthRowPosition(
    const model::ScanRequest& request, int64_t n) {
  SLUICE_RETURN_IF_ERROR(store::CheckPositionRequest(request, n));
  SLUICE_ASSIGN_OR_RETURN(auto stream, Scan(request));
  model::Event e;
  for (int64_t i = 1;; ++i) {
    SLUICE_ASSIGN_OR_RETURN(bool more, stream->Next(&e));
    if (!more) return std::optional<model::XactCursor>();
    if (i == n) return std::optional<model::XactCursor>(model::XactCursor{e.xact_id, e.row_key});
  }
}

// ---- automations and runs ----

Result<model::Automation> FakeStore::CreateAutomation(const model::Automation& a) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const model::Automation& x : automations_) {
    if (x.id == a.id || (x.project_id == a.project_id && x.name == a.name)) {
      return AlreadyExistsError("automation " + a.name + " exists");
    }
  }
  automations_.push_back(a);
  return a;
}

Result<model::Automation> FakeStore::GetAutomation(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  const model::Automation* a = FindById(automations_, id);
  if (a == nullptr) return NotFoundError("automation " + id + " not found");
  return *a;
}

Result<std::optional<model::Automation>> FakeStore::FindAutomationByName(
    const std::string& project_id, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const model::Automation& a : automations_) {
    if (a.project_id == project_id && a.name == name) return std::optional<model::Automation>(a);
  }
  return std::optional<model::Automation>();
}

Result<std::vector<model::Automation>> FakeStore::ListAutomations(const std::string& org_id,
                                                                  const store::ListOptions& o) {
  std::lock_guard<std::mutex> lock(mu_);
  return Page(automations_, o, [&](const model::Automation& a) {
    return a.org_id == org_id && (o.project_id.empty() || a.project_id == o.project_id);
  });
}

Status FakeStore::UpdateAutomation(const model::Automation& a) {
  std::lock_guard<std::mutex> lock(mu_);
  for (model::Automation& x : automations_) {
    if (x.id != a.id) continue;
    x.name = a.name;
    x.description = a.description;
    x.config = a.config;
    return Status();
  }
  return NotFoundError("automation " + a.id + " not found");
}

Status FakeStore::DeleteAutomation(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find_if(automations_.begin(), automations_.end(),
                         [&](const model::Automation& a) { return a.id == id; });
  if (it == automations_.end()) return NotFoundError("automation " + id + " not found");
  automations_.erase(it);
  std::erase_if(runs_, [&](const model::AutomationRun& r) { return r.automation_id == id; });
  return Status();
}

Status FakeStore::SaveRun(const model::AutomationRun& run) {
  std::lock_guard<std::mutex> lock(mu_);
  for (model::AutomationRun& r : runs_) {
    if (r.id == run.id) {
      r = run;
      return Status();
    }
  }
  runs_.push_back(run);
  return Status();
}

Result<std::optional<model::AutomationRun>> FakeStore::GetRun(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(mu_);
  const model::AutomationRun* r = FindById(runs_, run_id);
  return r == nullptr ? std::optional<model::AutomationRun>() : std::optional(*r);
}

Result<std::vector<model::AutomationRun>> FakeStore::ListRuns(const std::string& automation_id,
                                                              int64_t limit,
                                                              const std::string& before_run_id) {
  std::lock_guard<std::mutex> lock(mu_);
  store::ListOptions o;
  o.limit = limit > 0 ? limit : 20;
  o.starting_after = before_run_id;
  return Page(runs_, o,
              [&](const model::AutomationRun& r) { return r.automation_id == automation_id; });
}

// ---- exports ----

Status FakeStore::RegisterExport(const std::string& automation_id, const std::string& token_key_id,
                                 TimestampMicros now) {
  std::lock_guard<std::mutex> lock(mu_);
  store::ExportState& s = exports_[automation_id];
  s.automation_id = automation_id;
  s.token_key_id = token_key_id;
  s.registered = now;
  return Status();
}

Result<std::optional<store::ExportState>> FakeStore::GetExportState(
    const std::string& automation_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = exports_.find(automation_id);
  if (it == exports_.end()) return std::optional<store::ExportState>();
  return std::optional<store::ExportState>(it->second);
}

Result<int64_t> FakeStore::NextExportSequence(const std::string& automation_id,
                                              const std::string& date_folder) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t highest = 0;
  for (const store::ExportFile& f : files_) {
    if (f.automation_id == automation_id && f.date_folder == date_folder) {
      highest = std::max(highest, f.sequence);
    }
  }
  return highest + 1;
}

Result<store::ExportFile> FakeStore::AddPendingExportFile(const store::ExportFile& file) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const store::ExportFile& f : files_) {
    if (f.automation_id != file.automation_id) continue;
    if (f.date_folder == file.date_folder && f.sequence == file.sequence) {
      return AlreadyExistsError("export file sequence " + std::to_string(file.sequence) +
                                " is taken");
    }
    if (f.state == store::ExportFileState::kPending) {
      return FailedPreconditionError("the automation already has a pending file");
    }
  }
  store::ExportFile added = file;
  added.id = static_cast<int64_t>(files_.size()) + 1;
  added.state = store::ExportFileState::kPending;
  files_.push_back(added);
  return added;
}

Result<std::optional<store::ExportFile>> FakeStore::FindPendingExportFile(
    const std::string& automation_id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const store::ExportFile& f : files_) {
    if (f.automation_id == automation_id && f.state == store::ExportFileState::kPending) {
      return std::optional<store::ExportFile>(f);
    }
  }
  return std::optional<store::ExportFile>();
}

Status FakeStore::CommitExportFile(const store::ExportFile& file) {
  std::lock_guard<std::mutex> lock(mu_);
  auto state = exports_.find(file.automation_id);
  store::ExportFile* stored = nullptr;
  for (store::ExportFile& f : files_) {
    if (f.id == file.id) stored = &f;
  }
  if (stored == nullptr || stored->state != store::ExportFileState::kPending ||
      state == exports_.end() || state->second.cursor != file.from) {
    return AbortedError("export file " + std::to_string(file.id) +
                        " is no longer pending or the cursor moved");
  }
  const int64_t id = stored->id;
  *stored = file;
  stored->id = id;
  stored->state = store::ExportFileState::kCommitted;
  state->second.cursor = file.to;
  return Status();
}

Status FakeStore::ResetExport(const std::string& automation_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = exports_.find(automation_id); it != exports_.end()) it->second.cursor = {};
  for (store::ExportFile& f : files_) {
    if (f.automation_id == automation_id && f.state == store::ExportFileState::kPending) {
      f.state = store::ExportFileState::kAbandoned;
    }
  }
  std::erase_if(runs_,
                [&](const model::AutomationRun& r) { return r.automation_id == automation_id; });
  return Status();
}

Result<std::vector<store::ExportFile>> FakeStore::ListExportFiles(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<store::ExportFile> out;
  for (const store::ExportFile& f : files_) {
    if (f.run_id == run_id && f.state == store::ExportFileState::kCommitted) out.push_back(f);
  }
  return out;
}

// ---- retention ----

Result<store::RetentionStore::RetentionCount> FakeStore::CountRetention(
    const model::RetentionMark& mark, bool with_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  const Mark m{mark, {}};
  RetentionCount count;
  for (const model::Event& e : rows_) {
    if (!Hides(m, e) || Hidden(e)) continue;
    ++count.rows;
    if (with_bytes) count.bytes += StoredBytes(e);
  }
  return count;
}

Result<std::pair<model::RetentionMark, int64_t>> FakeStore::AddRetentionMark(
    const model::RetentionMark& mark, const std::vector<int64_t>& exempt_row_keys) {
  std::lock_guard<std::mutex> lock(mu_);
  Mark m{mark, std::set<int64_t>(exempt_row_keys.begin(), exempt_row_keys.end())};
  m.mark.id = static_cast<int64_t>(marks_.size()) + 1;
  m.mark.state = model::MarkState::kActive;
  int64_t hidden = 0;
  for (const model::Event& e : rows_) hidden += Hides(m, e) && !Hidden(e) ? 1 : 0;
  marks_.push_back(m);
  return std::make_pair(m.mark, hidden);
}

Result<std::vector<model::RetentionMark>> FakeStore::ListRetentionMarks(
    const std::string& automation_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<model::RetentionMark> out;
  for (const Mark& m : marks_) {
    if (m.mark.automation_id == automation_id) out.push_back(m.mark);
  }
  return out;
}

Result<int64_t> FakeStore::RestoreRetentionRun(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(mu_);
  bool found = false;
  int64_t restored = 0;
  for (Mark& m : marks_) {
    if (m.mark.run_id != run_id) continue;
    found = true;
    if (m.mark.state == model::MarkState::kPurged) {
      return FailedPreconditionError("run " + run_id + " was purged");
    }
    if (m.mark.state != model::MarkState::kActive) continue;
    std::vector<const model::Event*> was_hidden;
    for (const model::Event& e : rows_) {
      if (Hides(m, e)) was_hidden.push_back(&e);
    }
    m.mark.state = model::MarkState::kRestored;
    for (const model::Event* e : was_hidden) restored += Hidden(*e) ? 0 : 1;
  }
  if (!found) return NotFoundError("no retention run " + run_id);
  return restored;
}

Result<std::vector<std::pair<std::string, int64_t>>> FakeStore::PurgeExpiredMarks(
    TimestampMicros now) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::string, int64_t>> out;
  for (Mark& m : marks_) {
    if (m.mark.state != model::MarkState::kActive || m.mark.purge_after > now) continue;
    const size_t before = rows_.size();
    std::erase_if(rows_, [&](const model::Event& e) { return Hides(m, e); });
    m.mark.state = model::MarkState::kPurged;
    out.emplace_back(m.mark.run_id, static_cast<int64_t>(before - rows_.size()));
  }
  return out;
}

// ---- leases ----

Result<bool> FakeStore::TryAcquireLease(const std::string& name, const std::string& owner,
                                        TimestampMicros now, TimestampMicros expires) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = leases_.find(name);
  if (it != leases_.end() && it->second.owner != owner && it->second.expires > now) return false;
  leases_[name] = Lease{owner, expires};
  return true;
}

Result<bool> FakeStore::RenewLease(const std::string& name, const std::string& owner,
                                   TimestampMicros now, TimestampMicros expires) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = leases_.find(name);
  if (it == leases_.end() || it->second.owner != owner || it->second.expires <= now) return false;
  it->second.expires = expires;
  return true;
}

Status FakeStore::ReleaseLease(const std::string& name, const std::string& owner) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = leases_.find(name);
  if (it != leases_.end() && it->second.owner == owner) leases_.erase(it);
  return Status();
}

Result<std::string> FakeStore::LeaseOwner(const std::string& name, TimestampMicros now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = leases_.find(name);
  if (it == leases_.end() || it->second.expires <= now) return std::string();
  return it->second.owner;
}

}  // namespace sluice::testing
