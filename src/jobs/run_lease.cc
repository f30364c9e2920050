#include "jobs/run_lease.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>

#include "common/catch_all.h"
#include "common/log.h"
#include "common/uuid.h"

namespace sluice::jobs {

RunLease::~RunLease() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (renewer_.joinable()) renewer_.join();
  if (held_ && !lost_) {
    const Status s = store_.ReleaseLease(name_, options_.owner);
    if (!s.ok()) SLUICE_LOG_WARN("lease {}: release failed: {}", name_, s.ToString());
  }
}

namespace {

std::string HostName() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return host;
}

// True when `owner` (host:pid:random) is a process of this host that is gone: its pid runs no
// process, or is this process's own pid under another owner id (an earlier incarnation).
bool DeadOwnerOnThisHost(const std::string& owner) {
  const size_t last = owner.rfind(':');
  if (last == std::string::npos || last == 0) return false;
  const size_t mid = owner.rfind(':', last - 1);
  if (mid == std::string::npos) return false;
  if (owner.substr(0, mid) != HostName() || owner == ProcessLeaseOwner()) return false;
  char* end = nullptr;
  const std::string pid_text = owner.substr(mid + 1, last - mid - 1);
  const long pid = std::strtol(pid_text.c_str(), &end, 10);
  if (pid_text.empty() || *end != '\0' || pid <= 0) return false;
  if (pid == static_cast<long>(::getpid())) return true;
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace

const std::string& ProcessLeaseOwner() {
  static const std::string owner =
      HostName() + ":" + std::to_string(::getpid()) + ":" + NewUuid().substr(0, 8);
  return owner;
}

Result<bool> RunLease::Acquire() {
  const TimestampMicros now = clock_.NowMicros();
  const TimestampMicros expires = now + options_.ttl_seconds * 1'000'000;
  SLUICE_ASSIGN_OR_RETURN(held_, store_.TryAcquireLease(name_, options_.owner, now, expires));
  if (!held_) {
    // A holder that died on this host (a restart after a crash) need not be waited for.
    SLUICE_ASSIGN_OR_RETURN(std::string holder, store_.LeaseOwner(name_, now));
    if (!holder.empty() && DeadOwnerOnThisHost(holder)) {
      SLUICE_LOG_INFO("lease {}: its holder {} is no longer running; taking it over", name_,
                      holder);
      SLUICE_RETURN_IF_ERROR(store_.ReleaseLease(name_, holder));
      SLUICE_ASSIGN_OR_RETURN(held_, store_.TryAcquireLease(name_, options_.owner, now, expires));
    }
  }
  if (held_) {
    renewer_ = std::thread([this] {
      // A renewer that died cannot keep the lease: count it as lost.
      if (!CatchAll("lease " + name_, [this] { RenewLoop(); }).ok()) lost_ = true;
    });
  }
  return held_;
}

void RunLease::RenewLoop() {
  const auto period =
      std::chrono::milliseconds(std::max<int64_t>(1, options_.ttl_seconds) * 1000 / 3);
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, period, [this] { return stop_; })) {
    lock.unlock();
    const TimestampMicros now = clock_.NowMicros();
    auto renewed =
        store_.RenewLease(name_, options_.owner, now, now + options_.ttl_seconds * 1'000'000);
    lock.lock();
    if (renewed.ok() && *renewed) continue;
    // A store error is retried at the next period while the lease may still be ours.
    if (!renewed.ok()) {
      SLUICE_LOG_WARN("lease {}: renewal failed: {}", name_, renewed.status().ToString());
      continue;
    }
    SLUICE_LOG_WARN("lease {} lost (expired or taken by another process)", name_);
    lost_ = true;
    return;
  }
}

}  // namespace sluice::jobs
