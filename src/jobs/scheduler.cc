#include "jobs/scheduler.h"

#include "common/log.h"

namespace sluice::jobs {

void Scheduler::Start() {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      lock.unlock();
      Status s = Tick();
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
      if (a.type != model::AutomationType::kRetention) continue;
      ConfigContext ctx;
      ctx.project_id = a.project_id;
      auto cfg = ParseRetentionConfig(a.config, ctx);
      if (!cfg.ok()) {
        note(cfg.status().WithContext("automation " + a.id));
        continue;
      }
      SLUICE_ASSIGN_OR_RETURN(auto runs, store_.ListRuns(a.id, 1, ""));
      if (!runs.empty() && runs[0].started + cfg->interval_seconds * 1'000'000LL > now) continue;
      auto run = retention_.Run(a, model::RunTrigger::kSchedule);
      if (!run.ok()) {
        note(run.status());
      } else if (run->status == model::RunStatus::kError) {
        SLUICE_LOG_WARN("retention run {} of automation {} failed: {}", run->id, a.id, run->error);
      } else {
        SLUICE_LOG_INFO("retention run {} of automation {}: {}", run->id, a.id,
                        run->stats.ToString());
      }
    }
  }
  auto purged = retention_.PurgeDue();
  if (!purged.ok()) {
    note(purged.status());
  } else if (*purged > 0) {
    SLUICE_LOG_INFO("purged {} rows past their grace period", *purged);
  }
  return first;
}

}  // namespace sluice::jobs
