#include "store/sqlite/reader_pool.h"

#include <sqlite3.h>

#include <algorithm>
#include <utility>

namespace sluice::store::sqlite {

ReaderPool::Lease::~Lease() {
  if (c_ != nullptr) pool_->Return(std::move(c_));
}

ReaderPool::ReaderPool(std::string path, std::string keys_path, const SqliteStoreOptions& options)
    : path_(std::move(path)),
      keys_path_(std::move(keys_path)),
      cache_bytes_(options.reader_cache_bytes),
      mmap_bytes_(options.reader_mmap_bytes),
      max_idle_(static_cast<size_t>(std::max(options.max_idle_readers, 0))) {}

void ReaderPool::Return(std::unique_ptr<Connection> c) {
  // A connection still in a transaction (a read whose end failed) would keep its old snapshot
  // for the next reader: it is closed instead of going back to the pool.
  if (sqlite3_get_autocommit(c->raw()) == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(c));
}

Result<ReaderPool::Lease> ReaderPool::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c));
    }
  }
  SLUICE_ASSIGN_OR_RETURN(auto c, Connection::OpenAnother(path_));
  SLUICE_RETURN_IF_ERROR(c->AttachReadOnly(keys_path_, "keys"));
  SLUICE_RETURN_IF_ERROR(c->Exec("PRAGMA cache_size=-" + std::to_string(cache_bytes_ >> 10) +
                                 "; PRAGMA mmap_size=" + std::to_string(mmap_bytes_)));
  return Lease(this, std::move(c));
}

}  // namespace sluice::store::sqlite
