// Retention on the embedded store: fills a store with generated spans over 60 days (or starts
// from a kept one), then measures, in one run: the soft delete of the older half (two retention
// marks, one per quarter) against the naive per-row UPDATE of the same rows (committed, then
// undone untimed), the purge of the first quarter alone and of the second while 100-span ingest
// batches run, against the naive DELETE of the whole half, and the p50/p99 latency of those
// ingest batches against the same ingest with nothing else running (after a warm-up). The naive
// peers run last, on a copy of the filled store. Prints figures; never fails on them.
#include <sqlite3.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench/format/measure.h"
#include "bench/gen/span_generator.h"
#include "common/uuid.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::bench {
namespace {

constexpr TimestampMicros kDay = 86'400'000'000LL;

std::vector<model::EventWrite> Batch(SpanGenerator& gen, size_t n) {
  std::string body = "{\"events\":[";
  for (size_t i = 0; i < n; ++i) {
    if (i) body.push_back(',');
    AppendInsertEventJson(gen.Next(), body);
  }
  body += "]}";
  return model::ParseInsertRequest(body).value();
}

struct Latency {
  double p50_ms = 0, p99_ms = 0;
  size_t batches = 0;
};

// Inserts batches of `size` fresh spans until `stop` (or `max_batches`), timing each.
Latency IngestWhile(store::Store& s, const model::ObjectRef& obj, const model::Project& p,
                    SpanGenerator& gen, size_t size, std::atomic<bool>& stop, size_t max_batches) {
  std::vector<double> ms;
  while (!stop.load() && ms.size() < max_batches) {
    auto writes = Batch(gen, size);
    auto t0 = std::chrono::steady_clock::now();
    auto r = s.InsertEvents(obj, p.org_id, p.id, writes, RealClock().NowMicros());
    if (!r.ok()) {
      std::fprintf(stderr, "ingest failed: %s\n", r.status().ToString().c_str());
      break;
    }
    ms.push_back(Seconds(t0) * 1000);
  }
  Latency out;
  out.batches = ms.size();
  if (ms.empty()) return out;
  std::sort(ms.begin(), ms.end());
  out.p50_ms = ms[ms.size() / 2];
  out.p99_ms = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  return out;
}

// Runs `sql` on its own connection to `path` in one transaction, once per event segment table
// ("$E" replaced by the table); returns seconds (statements and commit) and rows changed.
std::pair<double, int64_t> Naive(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_busy_timeout(db, 60'000);
  sqlite3_exec(db, "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr);
  std::string script = "BEGIN;";
  sqlite3_stmt* tables = nullptr;
  sqlite3_prepare_v2(db, "SELECT tbl FROM event_segments ORDER BY seg", -1, &tables, nullptr);
  while (sqlite3_step(tables) == SQLITE_ROW) {
    std::string one = sql;
    const std::string t = reinterpret_cast<const char*>(sqlite3_column_text(tables, 0));
    for (size_t at; (at = one.find("$E")) != std::string::npos;) one.replace(at, 2, t);
    script += one + ";";
  }
  sqlite3_finalize(tables);
  script += "COMMIT;";
  const int64_t before = sqlite3_total_changes64(db);
  auto t0 = std::chrono::steady_clock::now();
  char* err = nullptr;
  if (sqlite3_exec(db, script.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "naive: %s\n", err ? err : "?");
    sqlite3_free(err);
  }
  const double secs = Seconds(t0);
  const int64_t changed = sqlite3_total_changes64(db) - before;
  sqlite3_close(db);
  return {secs, changed};
}

// Fills the store at `path` with `spans` generated spans of one project (options in `o`).
bool Fill(store::Store& store, const model::ObjectRef& logs, const model::Project& project,
          const SpanGeneratorOptions& o) {
  SpanGenerator gen(o);
  auto t0 = std::chrono::steady_clock::now();
  for (uint64_t done = 0; done < o.span_count;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(1000, o.span_count - done));
    auto r = store.InsertEvents(logs, project.org_id, project.id, Batch(gen, n), 0);
    if (!r.ok()) {
      std::fprintf(stderr, "fill failed: %s\n", r.status().ToString().c_str());
      return false;
    }
    done += n;
  }
  std::printf("filled %llu spans over 60 days in %.1f s\n",
              static_cast<unsigned long long>(o.span_count), Seconds(t0));
  return true;
}

// The database and its keys file (docs/storage.md), each with its WAL and shared memory: a keys
// file left from an earlier run would be found beside a copy of the kept store.
void RemoveDb(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-keys", "-keys-wal", "-keys-shm"}) {
    std::filesystem::remove(path + suffix);
  }
}

// What one run measures (seconds, rows, latencies); the peers' are zero when they do not run.
struct Figures {
  int64_t hidden = 0;  // rows the two marks hid
  double soft = 0;
  int64_t alone_rows = 0;
  double alone = 0;
  double reclaim_alone = 0;
  int64_t purged_rows = 0;  // the purge during ingest
  double purge = 0;
  double reclaim_after = 0;
  Latency baseline, during;
  std::pair<double, int64_t> naive_update{0, 0}, naive_delete{0, 0};
};

// The store to measure, filled (or copied from `keep` when that exists).
struct Filled {
  std::unique_ptr<store::sqlite::SqliteStore> store;
  model::Project project;
  model::ObjectRef logs;
  SpanGeneratorOptions gen;  // what filled it
};

// Opens the store at `path`, filled with `spans` spans over 60 days: copied from `keep` when it
// exists, else generated; then, when `peer_source` is wanted (kept store or peers), the filled
// file is copied there with the store closed.
std::optional<Filled> OpenFilled(uint64_t spans, const std::string& path, const std::string& keep,
                                 const std::string& peer_source, bool copy_for_peers) {
  Filled f;
  const bool reused = !keep.empty() && std::filesystem::exists(keep);
  if (reused) {
    std::filesystem::copy_file(keep, path);
    std::printf("reused the filled store %s\n", keep.c_str());
  }
  f.store = store::sqlite::SqliteStore::Open(path).value();
  if (!reused) {
    auto org = f.store->CreateOrg("bench").value();
    f.store->CreateProject({NewUuid(), org.id, "bench", "", 0}).value();
  }
  auto org = f.store->ListOrgs().value().front();
  f.project = f.store->ListProjects(org.id, {}).value().front();
  f.logs = {model::ObjectType::kProjectLogs, f.project.id};
  f.gen.seed = 3;
  f.gen.span_count = spans;
  f.gen.range_seconds = 60 * 86'400;
  f.gen.org_id = org.id;
  f.gen.project_id = f.project.id;
  if (reused) return f;
  if (!Fill(*f.store, f.logs, f.project, f.gen)) return std::nullopt;
  if (copy_for_peers) {
    // Copied with the store closed: a clean close checkpoints the whole WAL into the file,
    // which a checkpoint from another connection cannot promise while the store runs its own.
    f.store.reset();
    std::filesystem::copy_file(path, peer_source,
                               std::filesystem::copy_options::overwrite_existing);
    f.store = store::sqlite::SqliteStore::Open(path).value();
  }
  return f;
}

int64_t PurgedRows(const std::vector<std::pair<std::string, int64_t>>& runs) {
  int64_t rows = 0;
  for (const auto& [run, n] : runs) rows += n;
  return rows;
}

// Ingest alone (after a warm-up), the two marks, the purge of the first quarter alone and of
// the second while ingest runs, and the space handed back after each.
Figures MeasureStore(Filled& f) {
  store::sqlite::SqliteStore& store = *f.store;
  Figures out;
  SpanGeneratorOptions live = f.gen;
  live.seed = 4;
  live.span_count = 0;
  live.start_time = f.gen.start_time + 60 * kDay;
  SpanGenerator live_gen(live);
  std::atomic<bool> never{false};
  // Warm up first (the page cache after the copy, the WAL's first restarts), untimed.
  IngestWhile(store, f.logs, f.project, live_gen, 100, never, 300);
  out.baseline = IngestWhile(store, f.logs, f.project, live_gen, 100, never, 1000);

  model::RetentionMark mark;
  mark.run_id = "bench-run";
  mark.automation_id = "bench";
  mark.object = f.logs;
  mark.max_xact_id = store.MaxXactId().value();
  mark.purge_after = 0;
  // Two marks: the older quarter is purged with nothing else running, the next quarter while
  // ingest runs (the second mark is due later).
  auto t0 = std::chrono::steady_clock::now();
  mark.cutoff = f.gen.start_time + 15 * kDay;
  auto added = store.AddRetentionMark(mark, {}).value();
  mark.run_id = "bench-run-2";
  mark.cutoff = f.gen.start_time + 30 * kDay;
  mark.purge_after = 2;
  auto added2 = store.AddRetentionMark(mark, {}).value();
  out.soft = Seconds(t0);
  out.hidden = added.second + added2.second;

  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // no insert for a second
  t0 = std::chrono::steady_clock::now();
  out.alone_rows = PurgedRows(store.PurgeExpiredMarks(1).value());
  out.alone = Seconds(t0);
  // Handing the freed pages back to the file system is a step of its own (after a purge, when
  // a quarter of the file is free and no inserts are arriving).
  t0 = std::chrono::steady_clock::now();
  store.ReclaimSpace().IgnoreError();
  out.reclaim_alone = Seconds(t0);
  std::atomic<bool> purged_all{false};
  std::thread ingest([&] {
    out.during = IngestWhile(store, f.logs, f.project, live_gen, 100, purged_all, 1000000);
  });
  t0 = std::chrono::steady_clock::now();
  out.purged_rows = PurgedRows(store.PurgeExpiredMarks(3).value());
  out.purge = Seconds(t0);
  purged_all = true;
  ingest.join();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // inserts idle again
  t0 = std::chrono::steady_clock::now();
  store.ReclaimSpace().IgnoreError();
  out.reclaim_after = Seconds(t0);
  return out;
}

// The peers, on a copy of the filled store: the naive soft delete writes a flag on every
// expired row (here is_root flipped, committed, then flipped back untimed); the naive purge is
// one DELETE of every expired row (`where`).
void MeasurePeers(const std::string& path, const std::string& peer_source, const std::string& where,
                  Figures& out) {
  const std::string copy = path + ".peer";
  RemoveDb(copy);
  std::filesystem::copy_file(peer_source, copy);
  out.naive_update = Naive(copy, "UPDATE $E SET is_root = 1 - is_root WHERE " + where);
  Naive(copy, "UPDATE $E SET is_root = 1 - is_root WHERE " + where);
  out.naive_delete = Naive(copy, "DELETE FROM $E WHERE " + where);
  RemoveDb(copy);
}

double Rate(int64_t rows, double seconds) {
  return static_cast<double>(rows) / std::max(seconds, 1e-9);
}

void Print(const Figures& f, bool peers) {
  // Without the peers (--skip-peers) their lines read 0 and no ratio.
  const auto ratio = [&](double r) {
    char text[32] = "n/a";
    if (peers) std::snprintf(text, sizeof text, "%.2fx", r);
    return std::string(text);
  };
  const auto& [update_s, update_rows] = f.naive_update;
  const auto& [delete_s, delete_rows] = f.naive_delete;
  std::printf("soft delete (mark)     %9lld rows in %8.3f s = %12.0f rows/s\n",
              static_cast<long long>(f.hidden), f.soft, Rate(f.hidden, f.soft));
  std::printf("naive UPDATE (peer)    %9lld rows in %8.3f s = %12.0f rows/s   ratio %s\n",
              static_cast<long long>(update_rows), update_s, Rate(update_rows, update_s),
              ratio(update_s / std::max(f.soft, 1e-9)).c_str());
  std::printf("purge alone            %9lld rows in %8.3f s = %12.0f rows/s\n",
              static_cast<long long>(f.alone_rows), f.alone, Rate(f.alone_rows, f.alone));
  std::printf("purge during ingest    %9lld rows in %8.3f s = %12.0f rows/s\n",
              static_cast<long long>(f.purged_rows), f.purge, Rate(f.purged_rows, f.purge));
  std::printf(
      "space given back to the file system (incremental vacuum, its own step): %.3f s "
      "after the purge alone, %.3f s after the purge during ingest\n",
      f.reclaim_alone, f.reclaim_after);
  std::printf(
      "naive DELETE (peer)    %9lld rows in %8.3f s = %12.0f rows/s   purge alone / naive %s\n",
      static_cast<long long>(delete_rows), delete_s, Rate(delete_rows, delete_s),
      ratio(Rate(f.alone_rows, f.alone) / std::max(Rate(delete_rows, delete_s), 1e-9)).c_str());
  std::printf(
      "ingest of 100-span batches: alone p50 %.1f ms p99 %.1f ms (%zu batches); during "
      "purge p50 %.1f ms p99 %.1f ms (%zu batches); p99 ratio %.2f\n",
      f.baseline.p50_ms, f.baseline.p99_ms, f.baseline.batches, f.during.p50_ms, f.during.p99_ms,
      f.during.batches, f.during.p99_ms / std::max(f.baseline.p99_ms, 1e-9));
}

// With `keep` set, the filled store is kept at `keep` (checkpointed) and later runs with the same
// `keep` copy it instead of filling again.
int Run(uint64_t spans, const std::string& path, const std::string& keep, bool peers) {
  RemoveDb(path);
  // The peers run at the end, on a copy of the filled store (the kept one, or one made now), so
  // that their passes over the whole file do not evict the store's pages from the cache
  // before the measured purges.
  const std::string peer_source = keep.empty() ? path + ".filled" : keep;
  std::optional<Filled> filled = OpenFilled(spans, path, keep, peer_source, !keep.empty() || peers);
  if (!filled) return 1;
  Figures figures = MeasureStore(*filled);
  const std::string where = "object_type = 0 AND object_id = '" + filled->project.id +
                            "' AND created < " + std::to_string(filled->gen.start_time + 30 * kDay);
  filled->store.reset();
  if (peers) MeasurePeers(path, peer_source, where, figures);
  if (keep.empty()) RemoveDb(peer_source);
  Print(figures, peers);
  return 0;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
  CLI::App app{"Retention benchmark on the embedded store"};
  uint64_t spans = 1'000'000;
  std::string db = "/tmp/sluice-retention-bench.db";
  app.add_option("--spans", spans, "Spans to fill the store with")->capture_default_str();
  std::string keep;
  app.add_option("--db", db, "Database file to create")->capture_default_str();
  app.add_option("--keep", keep,
                 "Keep the filled store in this file, or start from it when it exists "
                 "(it must hold --spans spans)");
  bool skip_peers = false;
  app.add_flag("--skip-peers", skip_peers,
               "Leave out the naive UPDATE and DELETE (their lines then read 0)");
  CLI11_PARSE(app, argc, argv);
  return sluice::bench::Run(spans, db, keep, !skip_peers);
}
