#include "jobs/retention_runner.h"

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "common/log.h"
#include "common/uuid.h"
#include "jobs/export_runner.h"
#include "jobs/retention_archive.h"
#include "jobs/row_filter.h"
#include "query/eval.h"
#include "query/parser.h"
#include "query/row.h"

namespace sluice::jobs {

namespace {

constexpr TimestampMicros kMicrosPerDay = 86'400'000'000LL;

// An experiment seen as a row for the exempt filter: its tags and metadata, its creation time.
model::Event ExperimentAsRow(const model::Experiment& e) {
  model::Event row;
  row.id = e.id;
  row.created = e.created;
  row.tags = e.tags;
  row.metadata = e.metadata;
  row.object = {model::ObjectType::kExperiment, e.id};
  row.project_id = e.project_id;
  return row;
}

// What the active exports of a project have not exported yet: for each object one of them
// reads, the newest transaction every such export has fully passed, and why.
struct ExportHold {
  model::ObjectRef object;
  uint64_t max_xact_id = 0;
  std::string reason;
};

// The hold of one export `a` reading `object`: the newest transaction it has fully passed.
// nullopt when it has written everything so far. An export never registered has passed nothing.
Result<std::optional<ExportHold>> HoldOf(store::Store& store, const model::Automation& a,
                                         const model::ObjectRef& object) {
  SLUICE_ASSIGN_OR_RETURN(auto state, store.GetExportState(a.id));
  model::ScanRequest scan;
  scan.object = object;
  if (state) scan.after = state->cursor;
  scan.limit = 1;
  // The first row after the export's cursor is the oldest it has not exported: every row of
  // an older transaction is behind the cursor. None: the export has everything so far.
  SLUICE_ASSIGN_OR_RETURN(auto stream, store.Scan(scan));
  model::Event first;
  SLUICE_ASSIGN_OR_RETURN(bool behind, stream->Next(&first));
  if (!behind) return std::nullopt;
  ExportHold hold{object, first.xact_id - 1, ""};
  hold.reason = "not yet exported by export \"" + a.name + "\" (" + a.id +
                "): its next row to write has _xact_id " + std::to_string(first.xact_id);
  hold.reason += state && state->cursor.xact_id > 0
                     ? " (its cursor is at _xact_id " + std::to_string(state->cursor.xact_id) + ")"
                     : " (it has not written anything yet)";
  return hold;
}

Result<std::vector<ExportHold>> ActiveExportHolds(store::Store& store, ConfigCache& configs,
                                                  const model::Automation& retention) {
  store::ListOptions o;
  o.project_id = retention.project_id;
  o.limit = 10'000;
  SLUICE_ASSIGN_OR_RETURN(auto automations, store.ListAutomations(retention.org_id, o));
  std::vector<ExportHold> holds;
  for (const model::Automation& a : automations) {
    if (a.type != model::AutomationType::kExport || a.project_id != retention.project_id) continue;
    auto config = configs.Export(a);
    if (!config.ok() || !(*config)->active) continue;
    SLUICE_ASSIGN_OR_RETURN(auto state, store.GetExportState(a.id));
    if (!state) continue;  // not registered: it never runs
    const model::ObjectRef object = ExportSource(**config, a.project_id);
    SLUICE_ASSIGN_OR_RETURN(auto hold, HoldOf(store, a, object));
    if (!hold) continue;
    auto it = std::find_if(holds.begin(), holds.end(),
                           [&](const ExportHold& h) { return h.object == object; });
    if (it == holds.end()) {
      holds.push_back(std::move(*hold));
    } else if (hold->max_xact_id < it->max_xact_id) {
      *it = std::move(*hold);
    }
  }
  return holds;
}

// The stored size of a row as the store counts it (the lengths of its text columns; arrays as
// their JSON text), for rows the exempt filter keeps out of a preview's bytes.
int64_t StoredBytes(const model::Event& e) {
  auto array_bytes = [](const std::vector<std::string>& v) -> int64_t {
    if (v.empty()) return 0;
    int64_t n = 2 + static_cast<int64_t>(v.size()) - 1;
    for (const std::string& s : v) n += static_cast<int64_t>(s.size()) + 2;
    return n;
  };
  int64_t n = static_cast<int64_t>(e.id.size() + e.span_id.size() + e.root_span_id.size());
  n += array_bytes(e.span_parents) + array_bytes(e.tags);
  for (const model::JsonField& f : model::kJsonFields) {
    n += static_cast<int64_t>((e.*f.member).size());
  }
  return n;
}

// The keys of the archive files that hold the rows `mark` is about to hide (rows in
// `exempt_row_keys` stay), in export order; rows no committed file holds are counted in
// `*unarchived` (none, when the archive export's hold was applied).
Result<std::vector<std::string>> ArchiveKeys(store::Store& store, const ArchiveIndex& index,
                                             const model::RetentionMark& mark,
                                             const std::vector<int64_t>& exempt_row_keys,
                                             int64_t* unarchived) {
  model::ScanRequest scan;
  scan.object = mark.object;
  scan.order = model::ScanOrder::kCreatedAscending;
  scan.created_max = mark.cutoff;
  scan.max_xact_id = mark.max_xact_id;
  SLUICE_ASSIGN_OR_RETURN(auto stream, store.Scan(scan));
  std::vector<int64_t> exempt = exempt_row_keys;
  std::sort(exempt.begin(), exempt.end());
  std::vector<const store::ExportFile*> files;
  model::Event e;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool more, stream->Next(&e));
    if (!more) break;
    if (std::binary_search(exempt.begin(), exempt.end(), e.row_key)) continue;
    const store::ExportFile* f = index.FileHolding({e.xact_id, e.row_key});
    if (f == nullptr) {
      ++*unarchived;
    } else if (files.empty() || files.back() != f) {
      files.push_back(f);
    }
  }
  std::sort(files.begin(), files.end(),
            [](const store::ExportFile* a, const store::ExportFile* b) { return a->to < b->to; });
  files.erase(std::unique(files.begin(), files.end()), files.end());
  std::vector<std::string> keys;
  keys.reserve(files.size());
  for (const store::ExportFile* f : files) keys.push_back(f->key);
  return keys;
}

}  // namespace

struct RetentionRunner::Plan {
  RetentionConfig config;
  TimestampMicros cutoff = 0;
  uint64_t max_xact_id = 0;
  struct Target {
    model::RetentionMark mark;
    std::vector<int64_t> exempt_row_keys;
    int64_t rows = 0;
    int64_t bytes = 0;
    int64_t held_back = 0;  // expired rows kept because an export has not read them yet
    std::string hold_reason;
  };
  std::vector<Target> targets;
  std::string archive_id;  // archive_first's export, when the policy has one
  int64_t experiments = 0;
  int64_t exempt = 0;
  // Expired rows kept because an export has not read them (whole experiments included), and
  // the first reason.
  int64_t held_back = 0;
  std::string hold_reason;
  void Hold(int64_t rows, const std::string& reason) {
    held_back += rows;
    if (rows > 0 && hold_reason.empty()) hold_reason = reason;
  }
};

TimestampMicros RetentionNextRun(const RetentionConfig& config, const model::AutomationRun* last,
                                 TimestampMicros now) {
  if (!config.active) return 0;
  return last == nullptr ? now : last->started + config.interval_seconds * 1'000'000LL;
}

// Builds one policy run's Plan: its marks, one per object, each held below what the exports
// reading the object have not exported, with the counts of what each would delete.
struct RetentionRunner::Planner {
  store::Store& store;
  const model::Automation& a;
  TimestampMicros now;
  bool preview;
  std::vector<ExportHold> holds;
  Plan plan;

  // The mark of one object, held below what the exports reading it have not exported, and the
  // count of what it would delete (minus what the hold keeps).
  Result<Plan::Target> MarkFor(const model::ObjectRef& obj, TimestampMicros cutoff) {
    Plan::Target t;
    t.mark.automation_id = a.id;
    t.mark.object = obj;
    t.mark.cutoff = cutoff;
    t.mark.max_xact_id = plan.max_xact_id;
    t.mark.created = now;
    t.mark.purge_after = now + plan.config.grace_seconds * 1'000'000LL;
    SLUICE_ASSIGN_OR_RETURN(auto count, store.CountRetention(t.mark, preview));
    for (const ExportHold& h : holds) {
      if (!(h.object == obj) || h.max_xact_id >= t.mark.max_xact_id) continue;
      t.mark.max_xact_id = h.max_xact_id;
      SLUICE_ASSIGN_OR_RETURN(auto held, store.CountRetention(t.mark, preview));
      t.held_back = count.rows - held.rows;
      t.hold_reason = h.reason;
      count = held;
    }
    t.rows = count.rows;
    t.bytes = count.bytes;
    return t;
  }

  // Experiments created before the cutoff go whole (metadata and rows), unless exempt.
  Status Experiments() {
    store::ListOptions o;
    o.project_id = a.project_id;
    o.limit = 1'000'000;
    SLUICE_ASSIGN_OR_RETURN(auto experiments, store.ListExperiments(a.org_id, o));
    SLUICE_ASSIGN_OR_RETURN(
        auto filter, RowFilter::Compile(plan.config.exempt_filter,
                                        {model::ObjectType::kProjectLogs, a.project_id}, now));
    for (const auto& e : experiments) {
      if (e.created >= plan.cutoff) continue;
      if (filter.Matches(ExperimentAsRow(e))) {
        ++plan.exempt;
        continue;
      }
      SLUICE_ASSIGN_OR_RETURN(Plan::Target t, MarkFor({model::ObjectType::kExperiment, e.id},
                                                      std::numeric_limits<int64_t>::max()));
      if (t.held_back > 0) {
        // An experiment goes whole or not at all: while an export has not read all of its
        // rows, it stays, metadata and rows.
        plan.Hold(t.rows + t.held_back, "experiment \"" + e.name + "\" (" + e.id +
                                            ") is kept whole: its rows are " + t.hold_reason);
        continue;
      }
      ++plan.experiments;
      plan.targets.push_back(std::move(t));
    }
    return Status();
  }

  // The rows of `obj` created before the cutoff, but those the exempt filter keeps.
  Status Rows(const model::ObjectRef& obj) {
    SLUICE_ASSIGN_OR_RETURN(Plan::Target t, MarkFor(obj, plan.cutoff));
    SLUICE_ASSIGN_OR_RETURN(auto filter, RowFilter::Compile(plan.config.exempt_filter, obj, now));
    if (filter.active() && t.rows + t.held_back > 0) {
      SLUICE_RETURN_IF_ERROR(Exempt(filter, t));
    }
    plan.Hold(t.held_back, t.hold_reason);
    plan.targets.push_back(std::move(t));
    return Status();
  }

  // Takes the rows `filter` keeps out of `t`'s counts. Only the expired rows are read, through
  // the created index, held ones included: a row the filter keeps is exempt, not held back,
  // whatever the exports have read.
  Status Exempt(RowFilter& filter, Plan::Target& t) {
    model::ScanRequest scan;
    scan.object = t.mark.object;
    scan.order = model::ScanOrder::kCreatedAscending;
    scan.created_max = plan.cutoff;
    scan.max_xact_id = plan.max_xact_id;
    SLUICE_ASSIGN_OR_RETURN(auto stream, store.Scan(scan));
    model::Event e;
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(bool more, stream->Next(&e));
      if (!more) break;
      if (!filter.Matches(e)) continue;
      ++plan.exempt;
      if (e.xact_id > t.mark.max_xact_id) {
        --t.held_back;
        continue;
      }
      --t.rows;
      t.bytes -= StoredBytes(e);
      if (!preview) t.exempt_row_keys.push_back(e.row_key);
    }
    t.bytes = std::max<int64_t>(t.bytes, 0);
    return Status();
  }
};

Result<RetentionRunner::Plan> RetentionRunner::MakePlan(const model::Automation& a,
                                                        TimestampMicros now, bool preview) {
  Planner p{store_, a, now, preview, {}, {}};
  Plan& plan = p.plan;
  SLUICE_ASSIGN_OR_RETURN(auto config, configs_.Retention(a));
  plan.config = *config;
  plan.cutoff = now - plan.config.retention_days * kMicrosPerDay;
  SLUICE_ASSIGN_OR_RETURN(plan.max_xact_id, store_.MaxXactId());
  if (!plan.config.archive_first.empty()) {
    // The archive export must have written a row before it is deleted, active or not.
    SLUICE_ASSIGN_OR_RETURN(model::Automation archive,
                            ArchiveExport(store_, a, plan.config.archive_first));
    plan.archive_id = archive.id;
    SLUICE_ASSIGN_OR_RETURN(
        auto hold, HoldOf(store_, archive, {model::ObjectType::kProjectLogs, a.project_id}));
    if (hold) p.holds.push_back(std::move(*hold));
  } else if (plan.config.wait_for_export.value_or(true)) {
    SLUICE_ASSIGN_OR_RETURN(p.holds, ActiveExportHolds(store_, configs_, a));
  }
  if (plan.config.object_type == model::ObjectType::kProjectLogs) {
    SLUICE_RETURN_IF_ERROR(p.Rows({model::ObjectType::kProjectLogs, a.project_id}));
  } else if (plan.config.object_type == model::ObjectType::kDataset) {
    store::ListOptions o;
    o.project_id = a.project_id;
    o.limit = 1'000'000;
    SLUICE_ASSIGN_OR_RETURN(auto datasets, store_.ListDatasets(a.org_id, o));
    for (const auto& d : datasets) {
      SLUICE_RETURN_IF_ERROR(p.Rows({model::ObjectType::kDataset, d.id}));
    }
  } else {
    SLUICE_RETURN_IF_ERROR(p.Experiments());
  }
  return std::move(p.plan);
}

Result<RetentionPreview> RetentionRunner::Preview(const model::Automation& a) {
  SLUICE_ASSIGN_OR_RETURN(Plan plan, MakePlan(a, clock_.NowMicros(), true));
  RetentionPreview p;
  p.cutoff = plan.cutoff;
  p.experiments = plan.experiments;
  p.exempt = plan.exempt;
  p.held_back = plan.held_back;
  for (const auto& t : plan.targets) {
    p.rows += t.rows;
    p.bytes += t.bytes;
  }
  return p;
}

Result<bool> RetentionRunner::Due(const model::Automation& a, TimestampMicros now) {
  SLUICE_ASSIGN_OR_RETURN(auto cfg, configs_.Retention(a));
  if (!cfg->active) return false;
  SLUICE_ASSIGN_OR_RETURN(auto runs, store_.ListRuns(a.id, 1, ""));
  return RetentionNextRun(*cfg, runs.empty() ? nullptr : &runs[0], now) <= now;
}

Result<model::AutomationRun> RetentionRunner::Run(const model::Automation& a,
                                                  model::RunTrigger trigger,
                                                  std::optional<TimestampMicros> due_at) {
  RunLease lease(store_, clock_, "retention:" + a.id, lease_);
  SLUICE_ASSIGN_OR_RETURN(bool held, lease.Acquire());
  if (!held) return AbortedError(kRunInProgressMessage);
  if (due_at) {
    // Read again under the lease: another process may just have run it.
    SLUICE_ASSIGN_OR_RETURN(bool due, Due(a, *due_at));
    if (!due) return AbortedError("automation " + a.id + " is not due");
  }
  return RunLeased(a, trigger);
}

Result<model::AutomationRun> RetentionRunner::RunLeased(const model::Automation& a,
                                                        model::RunTrigger trigger) {
  model::AutomationRun run;
  run.id = NewUuid();
  run.automation_id = a.id;
  run.trigger = trigger;
  run.started = clock_.NowMicros();
  const int64_t t0 = clock_.MonotonicMicros();
  SLUICE_RETURN_IF_ERROR(store_.SaveRun(run));
  int64_t deleted = 0;
  Status status = [&]() -> Status {
    SLUICE_ASSIGN_OR_RETURN(Plan plan, MakePlan(a, run.started, false));
    run.stats.Set("cutoff", Json::Int(plan.cutoff));
    run.stats.Set("exempt", Json::Int(plan.exempt));
    run.stats.Set("experiments_deleted", Json::Int(plan.experiments));
    run.stats.Set("held_back", Json::Int(plan.held_back));
    if (plan.held_back > 0) run.stats.Set("held_back_reason", Json::String(plan.hold_reason));
    if (!plan.archive_id.empty()) {
      // Found before the rows are hidden (scans no longer see them after).
      SLUICE_ASSIGN_OR_RETURN(ArchiveIndex index, ArchiveIndex::Load(store_, plan.archive_id));
      Json keys = Json::Array();
      int64_t unarchived = 0;
      for (const auto& t : plan.targets) {
        SLUICE_ASSIGN_OR_RETURN(auto found,
                                ArchiveKeys(store_, index, t.mark, t.exempt_row_keys, &unarchived));
        for (auto& k : found) keys.Push(Json::String(std::move(k)));
      }
      if (unarchived > 0) {
        // The hold makes this impossible unless the export's history was reset meanwhile.
        return FailedPreconditionError(
            std::to_string(unarchived) + " expired rows are in no committed file of export " +
            plan.archive_id +
            " (was it reset?): nothing was deleted; run the export, then retention");
      }
      Json archive = Json::Object();
      archive.Set("automation_id", Json::String(plan.archive_id));
      archive.Set("files", std::move(keys));
      run.stats.Set("archive", std::move(archive));
    }
    for (auto& t : plan.targets) {
      t.mark.run_id = run.id;
      SLUICE_ASSIGN_OR_RETURN(auto added, store_.AddRetentionMark(t.mark, t.exempt_row_keys));
      deleted += added.second;
      run.stats.Set("purge_after", Json::Int(t.mark.purge_after));
    }
    return Status();
  }();
  run.stats.Set("soft_deleted", Json::Int(deleted));
  run.stats.Set("purged", Json::Int(0));
  run.stats.Set("restored", Json::Int(0));
  run.finished = clock_.NowMicros();
  run.stats.Set("duration_ms", Json::Int((clock_.MonotonicMicros() - t0) / 1000));
  run.status = status.ok() ? model::RunStatus::kSuccess : model::RunStatus::kError;
  run.error = status.ok() ? "" : status.message();
  SLUICE_RETURN_IF_ERROR(store_.SaveRun(run));
  return run;
}

auto RetentionRunner::Restore(const model::Automation& a, const std::string& run_id)
    -> Result<Restored> {
  SLUICE_ASSIGN_OR_RETURN(auto run, store_.GetRun(run_id));
  if (!run || run->automation_id != a.id) {
    return NotFoundError("run " + run_id + " is not a run of automation " + a.id);
  }
  Restored out;
  SLUICE_ASSIGN_OR_RETURN(out.rows, store_.RestoreRetentionRun(run_id));
  if (out.rows == 0) {
    // Nothing came back: say so when the run's deletions were all restored before.
    SLUICE_ASSIGN_OR_RETURN(auto marks, store_.ListRetentionMarks(a.id));
    bool any = false, all_restored = true;
    for (const model::RetentionMark& m : marks) {
      if (m.run_id != run_id) continue;
      any = true;
      all_restored = all_restored && m.state == model::MarkState::kRestored;
    }
    if (any && all_restored) {
      return FailedPreconditionError("run " + run_id + " was already restored");
    }
  }
  const Json* prev = run->stats.Find("restored");
  run->stats.Set("restored", Json::Int((prev ? prev->int_value() : 0) + out.rows));
  SLUICE_RETURN_IF_ERROR(store_.SaveRun(*run));
  SLUICE_ASSIGN_OR_RETURN(auto cfg, configs_.Retention(a));
  if (out.rows > 0 && cfg->active) {
    model::Automation paused = a;
    paused.config.Set("status", Json::String("paused"));
    SLUICE_RETURN_IF_ERROR(store_.UpdateAutomation(paused));
    out.paused = true;
  }
  return out;
}

Result<int64_t> RetentionRunner::PurgeDue() {
  RunLease lease(store_, clock_, store::Store::kPurgeLease, lease_);
  SLUICE_ASSIGN_OR_RETURN(bool held, lease.Acquire());
  if (!held) return 0;  // another process is purging
  SLUICE_ASSIGN_OR_RETURN(auto per_run, store_.PurgeExpiredMarks(clock_.NowMicros()));
  int64_t total = 0;
  for (const auto& [run_id, rows] : per_run) {
    total += rows;
    SLUICE_ASSIGN_OR_RETURN(auto run, store_.GetRun(run_id));
    if (!run) continue;  // the automation was deleted; its marks were still purged
    const Json* prev = run->stats.Find("purged");
    run->stats.Set("purged", Json::Int((prev ? prev->int_value() : 0) + rows));
    SLUICE_RETURN_IF_ERROR(store_.SaveRun(*run));
  }
  if (total > 0) {
    Status reclaimed = store_.ReclaimSpace();
    if (!reclaimed.ok()) {
      SLUICE_LOG_WARN("retention: giving purged space back failed (the purge itself is done): {}",
                      reclaimed.ToString());
    }
  }
  return total;
}

}  // namespace sluice::jobs
