// RunLease: a store lease (Store::TryAcquireLease) held for one run of an automation or for the
// purge, renewed in the background, so that one process at a time does that work across every
// process sharing the store (DESIGN.md §7). Used by the export and retention runners.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/status.h"
#include "store/lease_store.h"

namespace sluice::jobs {

// What a run answers when another run of the automation holds its lease.
inline constexpr char kRunInProgressMessage[] = "a run of this automation is in progress";

// host:pid:random, fixed for the life of the process: the owner of the leases it takes.
const std::string& ProcessLeaseOwner();

struct LeaseOptions {
  std::string owner = ProcessLeaseOwner();
  // A holder that stops renewing loses the lease this long after its last renewal; a live
  // holder renews every third of it.
  int64_t ttl_seconds = 60;
};

// A store lease (Store::TryAcquireLease) held for one piece of work: Acquire() takes it and
// starts a thread that renews it every ttl/3 (wall time); the destructor stops renewing and
// releases it. When a renewal fails the lease is lost (logged; lost() turns true): another
// process may take it over, and the work's own store checks (the export cursor's
// compare-and-set) keep that safe. Not thread-safe: one piece of work owns it (lost() may be
// read from any thread).
class RunLease {
 public:
  RunLease(store::LeaseStore& store, Clock& clock, std::string name, LeaseOptions options)
      : store_(store), clock_(clock), name_(std::move(name)), options_(std::move(options)) {}
  ~RunLease();
  RunLease(const RunLease&) = delete;
  RunLease& operator=(const RunLease&) = delete;

  // True when taken (free, expired, or already this owner's); false when another owner holds it.
  Result<bool> Acquire();
  bool lost() const { return lost_; }

 private:
  void RenewLoop();

  store::LeaseStore& store_;
  Clock& clock_;
  const std::string name_;
  const LeaseOptions options_;
  bool held_ = false;
  std::atomic<bool> lost_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread renewer_;
};

}  // namespace sluice::jobs
