// SqliteStoreOptions: the SQLite store's settings (sqlite_store.h): scan pages, reader
// connections and their caches, the writer's cache, group commits, segment sizes, the key
// worker's retries, and the hooks tests use.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "common/status.h"

namespace sluice::store::sqlite {

struct SqliteStoreOptions {
  // Rows fetched per page by a scan: bounds a scan's memory.
  int64_t scan_page_rows = 1000;
  // Reader connections kept open at most.
  int max_idle_readers = 8;
  // Each reader connection's page cache, and its memory map of the database file (none by
  // default). An export's scan reads each page once, so neither speeds it up much, and both
  // count in the process's RSS once filled. A map covers only the start of the file, where a
  // large store keeps its oldest rows: without one, an export's peak RSS fell by 48–72 MiB at
  // no measured cost in CPU or query latency (docs/benchmarks.md, "Exports nearer the read
  // bound").
  int64_t reader_cache_bytes = 8 << 20;
  int64_t reader_mmap_bytes = 0;
  // The writer's page cache, once the store is open (opening, with its migrations, has 64 MiB).
  // Inserts append: the pages of new rows are written once and not read again, so a larger
  // cache only fills with them, each page taken afresh from the system at first (a fresh
  // server's first 100,000 spans went 1.16x faster with 16 MiB than with 64; docs/benchmarks.md,
  // "A smaller page cache for the writer").
  int64_t writer_cache_bytes = 16 << 20;
  // A count over a created range (CountRows without a limit) is cut into this many parts of
  // the range, counted at once on as many threads and reader connections; 1 counts on the
  // calling thread alone, 0 takes the machine's cores (at most 4).
  int count_threads = 0;
  // Concurrent insert requests are committed together up to about this many rows.
  size_t group_commit_rows = 20'000;
  // The open event segment is sealed once it holds this many rows (times 1 + segments / 64, so
  // a large store keeps few segments). A purge drops sealed segments whose rows it removes
  // entirely; smaller segments leave less to delete row by row at a retention cutoff.
  int64_t segment_rows = 262'144;
  // Tests: called by a read after it has taken the segment set and before its snapshot begins,
  // with the number of tries so far (where a seal can slip in between).
  std::function<void(int)> before_read_snapshot;
  // Tests: called by the key worker before it writes sealed segment `seg`'s key tables; an
  // error it returns fails that attempt, as a full disk would.
  std::function<Status(int64_t seg)> before_key_tables;
  // After a sealed segment's key tables fail to be written, the key worker tries again after
  // this long (at least 1 ms), doubling up to 64 times it (docs/storage.md, "The keys file").
  std::chrono::milliseconds key_retry_delay{1000};
};

}  // namespace sluice::store::sqlite
