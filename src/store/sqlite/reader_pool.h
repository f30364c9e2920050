// ReaderPool (internal to store/sqlite): the store's reader connections to one database, each
// with its keys file attached read-only and the readers' cache and map sizes; a connection goes
// back to the pool when its lease ends, and at most max_idle_readers wait there.
#pragma once

#include <string>

#include "common/idle_pool.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store_options.h"

namespace sluice::store::sqlite {

// Thread-safe. Outlives its leases.
class ReaderPool : public IdlePool<Connection> {
 public:
  // Readers of the database at `path`, whose keys file is at `keys_path`.
  ReaderPool(std::string path, std::string keys_path, const SqliteStoreOptions& options);
};

}  // namespace sluice::store::sqlite
