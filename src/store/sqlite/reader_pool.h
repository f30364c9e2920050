// ReaderPool (internal to store/sqlite): the store's reader connections to one database, each
// with its keys file attached read-only and the readers' cache and map sizes; a connection goes
// back to the pool when its lease ends, and at most max_idle_readers wait there.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store_options.h"

namespace sluice::store::sqlite {

// Thread-safe. Outlives its leases.
class ReaderPool {
 public:
  // A reader connection, returned to the pool when the lease is destroyed.
  class Lease {
   public:
    Lease(ReaderPool* pool, std::unique_ptr<Connection> c) : pool_(pool), c_(std::move(c)) {}
    ~Lease();
    Lease(Lease&&) = default;
    Connection& operator*() { return *c_; }
    Connection* operator->() { return c_.get(); }

   private:
    ReaderPool* pool_;
    std::unique_ptr<Connection> c_;
  };

  // Readers of the database at `path`, whose keys file is at `keys_path`.
  ReaderPool(std::string path, std::string keys_path, const SqliteStoreOptions& options);
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;

  // An idle connection, or a new one.
  Result<Lease> Acquire();

 private:
  // Keeps `c` for the next Acquire, unless the pool is full or `c` is still in a transaction.
  void Return(std::unique_ptr<Connection> c);

  const std::string path_;
  const std::string keys_path_;
  const int64_t cache_bytes_;
  const int64_t mmap_bytes_;
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
};

}  // namespace sluice::store::sqlite
