// LeaseStore: the store's role for leases, one holder of a named piece of work across the
// processes sharing the store (DESIGN.md §7).
#pragma once

#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace sluice::store {

// Thread-safe: every method may be called from any thread concurrently.
class LeaseStore {
 public:
  virtual ~LeaseStore() = default;

  // A lease is a row (name, owner, expires). It is free when absent or when expires <= now.
  // Each call is one atomic step, so of several owners racing for a free lease exactly one
  // wins. Times are the caller's clock (all processes are assumed to agree within a small part
  // of the ttl). `owner` is unique per process.
  //
  // Takes `name` for `owner` until `expires` when it is free or already held by `owner`;
  // false when another owner holds it unexpired.
  virtual Result<bool> TryAcquireLease(const std::string& name, const std::string& owner,
                                       TimestampMicros now, TimestampMicros expires) = 0;
  // Moves the expiry of a lease `owner` holds unexpired to `expires`; false when the lease was
  // lost (expired, taken by another owner, or released).
  virtual Result<bool> RenewLease(const std::string& name, const std::string& owner,
                                  TimestampMicros now, TimestampMicros expires) = 0;
  // Frees the lease when `owner` holds it; a no-op otherwise.
  virtual Status ReleaseLease(const std::string& name, const std::string& owner) = 0;
  // The owner of `name` while it is held unexpired at `now`; "" when free.
  virtual Result<std::string> LeaseOwner(const std::string& name, TimestampMicros now) = 0;
};

}  // namespace sluice::store
