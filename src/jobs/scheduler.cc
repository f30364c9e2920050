#include "jobs/scheduler.h"

#include "common/catch_all.h"
#include "common/log.h"

namespace sluice::jobs {

void Scheduler::Start() {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      lock.unlock();
      Status s;
      // An exception is logged there and the next tick tries again.
      (void)CatchAll("scheduler", [this, &s] { s = Tick(); });
      if (!s.ok()) SLUICE_LOG_WARN("scheduler: {}", s.ToString());
      lock.lock();
      cv_.wait_for(lock, std::chrono::seconds(options_.tick_seconds), [this] { return stop_; });
    }
  });
}

void Scheduler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status Scheduler::MaybeRunExport(const model::Automation& a, TimestampMicros now) {
  if (exports_.Running(a.id)) return Status();
  SLUICE_ASSIGN_OR_RETURN(auto next, exports_.NextRunTime(a));
  if (!next || *next > now) return Status();  // paused, not registered, or not due
  auto run = exports_.Run(a, model::RunTrigger::kSchedule, now);
  if (!run.ok()) {
    // A run in progress (here or in another process), or one that another process has just
    // finished, is not an error of the schedule.
    return run.status().code() == StatusCode::kAborted ? Status() : run.status();
  }
  // The runner logs a failed run itself (once, with its reason).
  if (run->status != model::RunStatus::kError) {
    auto stat = [&run](std::string_view name) {
      const Json* v = run->stats.Find(name);
      return v != nullptr && v->is_number() ? v->int_value() : 0;
    };
    SLUICE_LOG_INFO("export run {} of automation {}: {} rows in {} files", run->id, a.id,
                    stat("rows"), stat("files"));
  }
  return Status();
}

Status Scheduler::MaybeRunRetention(const model::Automation& a, TimestampMicros now) {
  SLUICE_ASSIGN_OR_RETURN(bool due, retention_.Due(a, now));  // never while paused
  if (!due) return Status();
  // Due is checked again under the lease (another process may have run it meanwhile).
  auto result = retention_.Run(a, model::RunTrigger::kSchedule, now);
  if (!result.ok()) {
    return result.status().code() == StatusCode::kAborted ? Status() : result.status();
  }
  model::AutomationRun& run = *result;
  if (run.status == model::RunStatus::kError) {
    SLUICE_LOG_WARN("retention run {} of automation {} failed: {}", run.id, a.id, run.error);
  } else {
    SLUICE_LOG_INFO("retention run {} of automation {}: {}", run.id, a.id, run.stats.ToString());
  }
  return Status();
}

Status Scheduler::Tick() {
  Status first;
  auto note = [&first](const Status& s) {
    if (!s.ok() && first.ok()) first = s;
  };
  SLUICE_ASSIGN_OR_RETURN(auto orgs, store_.ListOrgs());
  const TimestampMicros now = clock_.NowMicros();
  for (const auto& org : orgs) {
    store::ListOptions o;
    o.limit = 100'000;
    SLUICE_ASSIGN_OR_RETURN(auto automations, store_.ListAutomations(org.id, o));
    for (const auto& a : automations) {
      const Status s = a.type == model::AutomationType::kExport ? MaybeRunExport(a, now)
                                                                : MaybeRunRetention(a, now);
      note(s.WithContext("automation " + a.id));
    }
  }
  auto purged = retention_.PurgeDue();
  if (!purged.ok()) {
    note(purged.status());
  } else if (*purged > 0) {
    SLUICE_LOG_INFO("purged {} rows past their grace period", *purged);
  }
  if (options_.after_purge) note(options_.after_purge(purged.ok() ? *purged : 0));
  return first;
}

}  // namespace sluice::jobs
