// The store half of the ingest benchmark: the same insert requests applied straight to a store
// (the embedded SQLite store, and with --pg PostgreSQL 15 too), without HTTP, so the server's
// overhead can be read off as a ratio and the two backends compared in one run.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "bench/ingest/ingest_common.h"
#include "common/status.h"
#include "model/event_write.h"
#include "store/store.h"

namespace sluice::bench {

struct StoreIngestFigures {
  IngestFigures parse;         // the batch's parse into row writes (validation included)
  IngestFigures insert;        // Store::InsertEvents of each batch: one transaction per batch
  int64_t database_bytes = 0;  // the database file and its WAL afterwards (SQLite only)
};

// Turns one batch's request body into the row writes the server would store.
using ParseBatch = std::function<Result<std::vector<model::EventWrite>>(const Batch&)>;

// The insert API's parse (ParseInsertRequest).
Result<std::vector<model::EventWrite>> ParseInsertBatch(const Batch& batch);

// Creates a fresh SQLite database at `path` (which must not exist), an org and a project, then
// parses and inserts every batch into the project's logs, timing the two steps separately.
// Errors: kAlreadyExists when `path` exists; the store's errors otherwise.
Result<StoreIngestFigures> IngestIntoStore(const std::string& path,
                                           const std::vector<Batch>& batches,
                                           const ParseBatch& parse = ParseInsertBatch);

// The same into an open store (an org and a project are created in it).
Result<StoreIngestFigures> IngestInto(store::Store& store, const std::vector<Batch>& batches,
                                      const ParseBatch& parse = ParseInsertBatch);

}  // namespace sluice::bench
