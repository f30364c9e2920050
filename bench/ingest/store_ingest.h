// The store half of the ingest benchmark: the same insert requests applied straight to the
// embedded SQLite store, without HTTP, so the server's overhead can be read off as a ratio.
#pragma once

#include <string>
#include <vector>

#include "bench/ingest/ingest_common.h"
#include "common/status.h"

namespace sluice::bench {

struct StoreIngestFigures {
  IngestFigures parse;         // ParseInsertRequest of each batch (validation included)
  IngestFigures insert;        // Store::InsertEvents of each batch: one transaction per batch
  int64_t database_bytes = 0;  // the database file and its WAL afterwards
};

// Creates a fresh SQLite database at `path` (which must not exist), an org and a project, then
// parses and inserts every batch into the project's logs, timing the two steps separately.
// Errors: kAlreadyExists when `path` exists; the store's errors otherwise.
Result<StoreIngestFigures> IngestIntoStore(const std::string& path,
                                           const std::vector<Batch>& batches);

}  // namespace sluice::bench
