#include "store/sqlite/reader_pool.h"

#include <sqlite3.h>

#include <algorithm>
#include <memory>
#include <utility>

namespace sluice::store::sqlite {

namespace {

Result<std::unique_ptr<Connection>> OpenReader(const std::string& path,
                                               const std::string& keys_path, int64_t cache_bytes,
                                               int64_t mmap_bytes) {
  SLUICE_ASSIGN_OR_RETURN(auto c, Connection::OpenAnother(path));
  SLUICE_RETURN_IF_ERROR(c->AttachReadOnly(keys_path, "keys"));
  SLUICE_RETURN_IF_ERROR(c->Exec("PRAGMA cache_size=-" + std::to_string(cache_bytes >> 10) +
                                 "; PRAGMA mmap_size=" + std::to_string(mmap_bytes)));
  return c;
}

}  // namespace

ReaderPool::ReaderPool(std::string path, std::string keys_path, const SqliteStoreOptions& options)
    : IdlePool<Connection>(
          static_cast<size_t>(std::max(options.max_idle_readers, 0)),
          [path = std::move(path), keys_path = std::move(keys_path),
           cache = options.reader_cache_bytes,
           mmap = options.reader_mmap_bytes] { return OpenReader(path, keys_path, cache, mmap); },
          // A connection still in a transaction (a read whose end failed) would keep its old
          // snapshot for the next reader: it is closed instead of going back to the pool.
          [](Connection& c) { return sqlite3_get_autocommit(c.raw()) != 0; }) {}

}  // namespace sluice::store::sqlite
