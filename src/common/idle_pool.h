// IdlePool: objects that are costly to open (database connections) kept for reuse. Acquire
// hands out an idle one or opens another; a lease gives its object back when it ends, unless
// the pool's `reusable` test says otherwise, and at most `max_idle` wait in the pool.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "common/status.h"

namespace sluice {

// Thread-safe. Outlives its leases.
template <typename T>
class IdlePool {
 public:
  using Open = std::function<Result<std::unique_ptr<T>>()>;
  using Reusable = std::function<bool(T&)>;

  // An object, given back to the pool when the lease is destroyed.
  class Lease {
   public:
    Lease(IdlePool* pool, std::unique_ptr<T> object) : pool_(pool), object_(std::move(object)) {}
    ~Lease() {
      if (object_ != nullptr) pool_->GiveBack(std::move(object_));
    }
    Lease(Lease&&) = default;
    T& operator*() { return *object_; }
    T* operator->() { return object_.get(); }

   private:
    IdlePool* pool_;
    std::unique_ptr<T> object_;
  };

  IdlePool(size_t max_idle, Open open, Reusable reusable)
      : max_idle_(max_idle), open_(std::move(open)), reusable_(std::move(reusable)) {}
  IdlePool(const IdlePool&) = delete;
  IdlePool& operator=(const IdlePool&) = delete;

  // An idle object, or a newly opened one (the opener's error when that fails).
  Result<Lease> Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        std::unique_ptr<T> object = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(object));
      }
    }
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<T> object, open_());
    return Lease(this, std::move(object));
  }

 private:
  void GiveBack(std::unique_ptr<T> object) {
    if (!reusable_(*object)) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < max_idle_) idle_.push_back(std::move(object));
  }

  const size_t max_idle_;
  const Open open_;
  const Reusable reusable_;
  std::mutex mu_;
  std::vector<std::unique_ptr<T>> idle_;  // guarded by mu_
};

}  // namespace sluice
