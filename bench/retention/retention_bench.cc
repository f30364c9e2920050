// Retention on the embedded store: fills a store with generated spans over 60 days, then
// measures, in one run: the soft delete of the older half (a retention mark) against the naive
// per-row UPDATE of the same rows (rolled back), the purge against the naive DELETE (rolled
// back), and the p50/p99 latency of small ingest batches while the purge runs against the same
// ingest with nothing else running. Prints figures; never fails on them.
#include <CLI/CLI.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "bench/gen/span_generator.h"
#include "common/uuid.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::bench {
namespace {

constexpr TimestampMicros kDay = 86'400'000'000LL;

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

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

// Runs `sql` on its own connection to `path` and commits it; returns seconds (statement and
// commit) and rows changed.
std::pair<double, int64_t> Naive(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_busy_timeout(db, 60'000);
  sqlite3_exec(db, "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr);
  auto t0 = std::chrono::steady_clock::now();
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "naive: %s\n", err ? err : "?");
    sqlite3_free(err);
  }
  const double secs = Seconds(t0);
  const int64_t changed = sqlite3_changes64(db);
  sqlite3_close(db);
  return {secs, changed};
}

int Run(uint64_t spans, const std::string& path) {
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  auto store = store::sqlite::SqliteStore::Open(path).value();
  auto org = store->CreateOrg("bench").value();
  auto project = store->CreateProject({NewUuid(), org.id, "bench", "", 0}).value();
  model::ObjectRef logs{model::ObjectType::kProjectLogs, project.id};

  SpanGeneratorOptions o;
  o.seed = 3;
  o.span_count = spans;
  o.range_seconds = 60 * 86'400;
  o.org_id = org.id;
  o.project_id = project.id;
  SpanGenerator gen(o);
  auto t0 = std::chrono::steady_clock::now();
  for (uint64_t done = 0; done < spans;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(1000, spans - done));
    auto r = store->InsertEvents(logs, org.id, project.id, Batch(gen, n), 0);
    if (!r.ok()) {
      std::fprintf(stderr, "fill failed: %s\n", r.status().ToString().c_str());
      return 1;
    }
    done += n;
  }
  std::printf("filled %llu spans over 60 days in %.1f s\n", static_cast<unsigned long long>(spans),
              Seconds(t0));

  SpanGeneratorOptions live = o;
  live.seed = 4;
  live.span_count = 0;
  live.start_time = o.start_time + 60 * kDay;
  SpanGenerator live_gen(live);
  std::atomic<bool> never{false};
  const Latency baseline = IngestWhile(*store, logs, project, live_gen, 100, never, 200);

  const TimestampMicros cutoff = o.start_time + 30 * kDay;
  model::RetentionMark mark;
  mark.run_id = "bench-run";
  mark.automation_id = "bench";
  mark.object = logs;
  mark.cutoff = cutoff;
  mark.max_xact_id = store->MaxXactId().value();
  mark.purge_after = 0;
  const std::string where = "object_type = 0 AND object_id = '" + project.id +
                            "' AND created < " + std::to_string(cutoff);
  // The naive soft delete writes a flag on every expired row (here is_root flipped, committed,
  // then flipped back untimed).
  auto naive_update = Naive(path, "UPDATE events SET is_root = 1 - is_root WHERE " + where);
  Naive(path, "UPDATE events SET is_root = 1 - is_root WHERE " + where);
  t0 = std::chrono::steady_clock::now();
  auto added = store->AddRetentionMark(mark, {}).value();
  const double soft = Seconds(t0);
  const int64_t hidden = added.second;

  // The naive purge, one DELETE of every expired row, on a copy of the database.
  Naive(path, "PRAGMA wal_checkpoint(TRUNCATE)");
  const std::string copy = path + ".peer";
  std::filesystem::copy_file(path, copy, std::filesystem::copy_options::overwrite_existing);
  auto naive_delete = Naive(copy, "DELETE FROM events WHERE " + where);
  std::filesystem::remove(copy);
  std::filesystem::remove(copy + "-wal");
  std::filesystem::remove(copy + "-shm");
  std::atomic<bool> purged_all{false};
  Latency during;
  std::thread ingest(
      [&] { during = IngestWhile(*store, logs, project, live_gen, 100, purged_all, 100000); });
  t0 = std::chrono::steady_clock::now();
  auto purged = store->PurgeExpiredMarks(1).value();
  const double purge = Seconds(t0);
  purged_all = true;
  ingest.join();
  int64_t purged_rows = 0;
  for (const auto& [run, n] : purged) purged_rows += n;

  std::printf("soft delete (mark)     %9lld rows in %8.3f s = %12.0f rows/s\n",
              static_cast<long long>(hidden), soft, hidden / std::max(soft, 1e-9));
  std::printf("naive UPDATE (peer)    %9lld rows in %8.3f s = %12.0f rows/s   ratio %.0fx\n",
              static_cast<long long>(naive_update.second), naive_update.first,
              naive_update.second / std::max(naive_update.first, 1e-9),
              naive_update.first / std::max(soft, 1e-9));
  std::printf("purge (batched)        %9lld rows in %8.3f s = %12.0f rows/s\n",
              static_cast<long long>(purged_rows), purge, purged_rows / std::max(purge, 1e-9));
  std::printf("naive DELETE (peer)    %9lld rows in %8.3f s = %12.0f rows/s   ratio %.2fx\n",
              static_cast<long long>(naive_delete.second), naive_delete.first,
              naive_delete.second / std::max(naive_delete.first, 1e-9),
              naive_delete.first / std::max(purge, 1e-9));
  std::printf("ingest of 100-span batches: alone p50 %.1f ms p99 %.1f ms (%zu batches); during "
              "purge p50 %.1f ms p99 %.1f ms (%zu batches); p99 ratio %.2f\n",
              baseline.p50_ms, baseline.p99_ms, baseline.batches, during.p50_ms, during.p99_ms,
              during.batches, during.p99_ms / std::max(baseline.p99_ms, 1e-9));
  return 0;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
  CLI::App app{"Retention benchmark on the embedded store"};
  uint64_t spans = 1'000'000;
  std::string db = "/tmp/sluice-retention-bench.db";
  app.add_option("--spans", spans, "Spans to fill the store with")->capture_default_str();
  app.add_option("--db", db, "Database file to create")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return sluice::bench::Run(spans, db);
}
