// sluice-ingest-bench: how fast sluice ingests realistic spans.
//
//   sluice-ingest-bench http --url http://127.0.0.1:PORT --api-key sk-... --project-id ID
//                            [--spans N --batch-size 1000 --connections 4 --server-pid PID]
//                            [--logs3 | --otlp | --otlp-rows] [--text-bytes 1024]
//                            [--total-spans 10000000 --window 100000]
//   sluice-ingest-bench store --db /tmp/bench.db [--spans N --batch-size 1000] [--otlp]
//                             [--otlp-rows] [--pg]
//
// Batches are generated before the clock starts, so the figures are the server's (or the
// store's) alone. Prints spans/s, MB/s, batch latencies and, for http, the server's peak RSS.
// `store --otlp` also decodes and maps the same spans as OTLP protobuf requests and stores
// them in `<db>.otlp` (which must not exist), timing both beside the insert API's parse and
// store insert. `--otlp-rows` makes the insert API bodies hold the
// rows the OTLP mapping stores for the same spans, so both paths store the same bytes.
// `store --pg` also inserts the same batches into a PostgreSQL 15 server the bench starts (as
// the store tests do, `fsync=off`) and prints its figures beside SQLite's, SQLite being the
// peer in the same run.
#include <curl/curl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/format/measure.h"
#include "bench/ingest/http_ingest.h"
#include "bench/ingest/ingest_common.h"
#include "bench/ingest/otlp_batches.h"
#include "bench/ingest/store_ingest.h"
#include "common/clock.h"
#include "common/malloc_arenas.h"
#include "pg_server.h"
#include "store/postgres/pg_store.h"

namespace sluice::bench {
namespace {

struct CommonFlags {
  uint64_t spans = 100'000;
  uint64_t batch_size = 1'000;
  uint64_t seed = 1;
  BatchShape shape;
};

std::vector<Batch> Generate(const CommonFlags& flags) {
  const int64_t t0 = RealClock().MonotonicMicros();
  std::vector<Batch> batches =
      GenerateBatches(flags.spans, flags.batch_size, flags.seed, flags.shape);
  uint64_t bytes = 0;
  for (const Batch& b : batches) bytes += b.body.size();
  std::printf("generated %zu batches, %llu spans, %.1f MB (%.0f B/span) in %.2f s\n",
              batches.size(), static_cast<unsigned long long>(flags.spans), bytes / 1e6,
              flags.spans ? static_cast<double>(bytes) / flags.spans : 0.0,
              static_cast<double>(RealClock().MonotonicMicros() - t0) / 1e6);
  return batches;
}

void PrintCpu(const char* who, double cpu_seconds, uint64_t spans) {
  std::printf("%s CPU %.2f s: %.1f ms per 1,000 spans\n", who, cpu_seconds,
              cpu_seconds * 1e6 / static_cast<double>(spans));
}

void PrintServerMemory(int64_t pid) {
  if (pid <= 0) return;
  const int64_t hwm = StatusKb("VmHWM", pid);
  const int64_t rss = StatusKb("VmRSS", pid);
  if (hwm < 0) {
    std::printf("server pid %lld: /proc status not readable\n", static_cast<long long>(pid));
    return;
  }
  std::printf("server peak RSS (VmHWM) %.1f MB, RSS now %.1f MB\n", hwm / 1024.0, rss / 1024.0);
}

// The last window's rate beside the first's: whether ingest holds as the store grows.
void PrintWindowSummary(const std::vector<WindowFigures>& windows) {
  if (windows.size() < 2) return;
  auto rate = [](const WindowFigures& w, uint64_t before) {
    return w.seconds > 0 ? static_cast<double>(w.stored_after - before) / w.seconds : 0.0;
  };
  const double first = rate(windows.front(), 0);
  const double last = rate(windows.back(), windows[windows.size() - 2].stored_after);
  std::printf(
      "== last window (%llu stored) at %.2fx the first window's rate (%.0f vs %.0f spans/s) ==\n",
      static_cast<unsigned long long>(windows.back().stored_after), first > 0 ? last / first : 0.0,
      last, first);
}

int RunHttp(const CommonFlags& common, const HttpIngestOptions& options) {
  const int64_t server_pid = options.server_pid;
  const std::vector<Batch> batches = Generate(common);
  std::printf("posting to %s with %d connections\n", options.url.c_str(), options.connections);
  std::fflush(stdout);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const double cpu_before = server_pid > 0 ? ProcCpuSeconds(server_pid) : -1;
  const double client_cpu_before = ProcCpuSeconds(0);
  std::vector<WindowFigures> windows;
  const IngestFigures figures = PostBatches(options, batches, &windows);
  const double client_cpu = ProcCpuSeconds(0) - client_cpu_before;
  const double cpu_after = server_pid > 0 ? ProcCpuSeconds(server_pid) : -1;
  curl_global_cleanup();
  PrintFigures(options.logs3 ? "http logs3" : options.otlp ? "http otlp" : "http insert", figures);
  PrintServerMemory(server_pid);
  if (cpu_before >= 0 && cpu_after >= 0 && figures.spans > 0) {
    PrintCpu("server", cpu_after - cpu_before, figures.spans);
  }
  // The client shares the machine's cores with the server: what it burns, the server lacks.
  if (figures.spans > 0) PrintCpu("client", client_cpu, figures.spans);
  PrintWindowSummary(windows);
  return figures.failed_batches == 0 ? 0 : 1;
}

// The same batches into PostgreSQL: store insert figures and the ratio to SQLite's. The
// server's CPU shares the machine with the bench and is printed on its own.
// With `pg_uri` set, into that database instead of a server the bench starts (its server CPU is
// then not measured).
void RunPostgres(const std::vector<Batch>& batches, const StoreIngestFigures& sqlite,
                 const std::string& pg_uri) {
  Result<std::unique_ptr<testing::PgServer>> server = std::unique_ptr<testing::PgServer>();
  if (pg_uri.empty()) server = testing::PgServer::Start();
  Result<std::string> uri = pg_uri;
  if (pg_uri.empty())
    uri = server.ok() ? (*server)->UriForNewSchema("ingest_bench") : server.status();
  if (!uri.ok()) {
    std::printf("postgres: not available (%s)\n", uri.status().ToString().c_str());
    return;
  }
  auto store = store::postgres::PgStore::Open(*uri);
  if (!store.ok()) {
    std::printf("postgres: %s\n", store.status().ToString().c_str());
    return;
  }
  const int64_t postmaster = *server ? (*server)->PostmasterPid() : -1;
  const double server_before = postmaster > 0 ? ProcTreeCpuSeconds(postmaster) : -1;
  const double cpu_before = ProcCpuSeconds(0);
  auto figures = IngestInto(**store, batches);
  const double cpu = ProcCpuSeconds(0) - cpu_before;
  const double server_cpu = server_before >= 0 ? ProcTreeCpuSeconds(postmaster) - server_before : 0;
  if (!figures.ok()) {
    std::printf("postgres ingest failed: %s\n", figures.status().ToString().c_str());
    return;
  }
  PrintFigures("pg store insert", figures->insert);
  PrintCpu("pg parse+insert (bench process)", cpu, figures->insert.spans);
  if (server_before >= 0) PrintCpu("pg server", server_cpu, figures->insert.spans);
  if (figures->insert.seconds > 0 && sqlite.insert.seconds > 0) {
    std::printf("PostgreSQL store insert runs at %.2fx the SQLite store insert rate\n",
                sqlite.insert.seconds / figures->insert.seconds);
  }
}

// Parses every batch `rounds` times with the insert API's parser and with OTLP decode + map,
// alternating, and prints each one's fastest and median round (CPU time, so that other
// work on the machine weighs less) and their ratio. No store: the two parses alone.
int RunParseRounds(const CommonFlags& common, int rounds) {
  const std::vector<Batch> insert_batches = Generate(common);
  CommonFlags as_otlp = common;
  as_otlp.shape.otlp = true;
  const std::vector<Batch> otlp_batches = Generate(as_otlp);
  auto round = [](const std::vector<Batch>& batches, const ParseBatch& parse) -> Result<double> {
    const double start = CpuSeconds();
    for (const Batch& b : batches) SLUICE_RETURN_IF_ERROR(parse(b).status());
    return CpuSeconds() - start;
  };
  std::vector<double> insert, otlp;
  for (int r = 0; r < rounds; ++r) {
    auto a = round(insert_batches, ParseInsertBatch);
    auto b = round(otlp_batches, DecodeAndMapOtlp);
    if (!a.ok() || !b.ok()) {
      std::fprintf(stderr, "parse failed: %s\n",
                   (!a.ok() ? a.status() : b.status()).ToString().c_str());
      return 1;
    }
    insert.push_back(*a);
    otlp.push_back(*b);
  }
  std::sort(insert.begin(), insert.end());
  std::sort(otlp.begin(), otlp.end());
  const double per_1000 = 1e6 / static_cast<double>(common.spans);  // seconds -> ms per 1,000
  std::printf("parse rounds %d: insert API parse fastest %.2f, median %.2f ms per 1,000 spans\n",
              rounds, insert.front() * per_1000, insert[insert.size() / 2] * per_1000);
  std::printf("parse rounds %d: otlp decode+map fastest %.2f, median %.2f ms per 1,000 spans\n",
              rounds, otlp.front() * per_1000, otlp[otlp.size() / 2] * per_1000);
  std::printf("otlp decode+map takes %.2fx (fastest) / %.2fx (median) the insert API's parse\n",
              otlp.front() / insert.front(), otlp[otlp.size() / 2] / insert[insert.size() / 2]);
  return 0;
}

int RunStore(const CommonFlags& common, const std::string& db_path, bool otlp, bool pg,
             const std::string& pg_uri) {
  const std::vector<Batch> batches = Generate(common);
  const double cpu_before = ProcCpuSeconds(0);
  auto figures = IngestIntoStore(db_path, batches);
  const double cpu = ProcCpuSeconds(0) - cpu_before;
  if (!figures.ok()) {
    std::fprintf(stderr, "store ingest failed: %s\n", figures.status().ToString().c_str());
    return 1;
  }
  PrintFigures("parse", figures->parse);
  PrintFigures("store insert", figures->insert);
  // What the server does per request, minus HTTP: the peer the http figures compare against.
  IngestFigures both = figures->insert;
  both.seconds += figures->parse.seconds;
  for (size_t i = 0; i < both.batch_millis.size(); ++i) {
    both.batch_millis[i] += figures->parse.batch_millis[i];
  }
  PrintFigures("parse+insert", both);
  PrintCpu("parse+insert", cpu, common.spans);
  if (otlp) {
    CommonFlags as_otlp = common;
    as_otlp.shape.otlp = true;
    // The first database's pages go to disk now, not while the second one is being filled.
    sync();
    auto decoded = IngestIntoStore(db_path + ".otlp", Generate(as_otlp), DecodeAndMapOtlp);
    if (!decoded.ok()) {
      std::fprintf(stderr, "otlp store ingest failed: %s\n", decoded.status().ToString().c_str());
      return 1;
    }
    PrintFigures("otlp decode+map", decoded->parse);
    PrintFigures("otlp store insert", decoded->insert);
    auto ratio = [](const IngestFigures& a, const IngestFigures& b) {
      return b.seconds > 0 ? a.seconds / b.seconds : 0.0;
    };
    std::printf("otlp decode+map takes %.2fx the time of the insert API's parse\n",
                ratio(decoded->parse, figures->parse));
    std::printf("otlp rows take %.2fx the store insert time of the insert API's rows\n",
                ratio(decoded->insert, figures->insert));
  }
  std::printf("database %.1f MB on disk (%.0f B/span); bench peak RSS %.1f MB\n",
              figures->database_bytes / 1e6,
              common.spans ? static_cast<double>(figures->database_bytes) / common.spans : 0.0,
              StatusKb("VmHWM") / 1024.0);
  if (pg || !pg_uri.empty()) RunPostgres(batches, *figures, pg_uri);
  return 0;
}

void AddCommonFlags(CLI::App* app, CommonFlags& flags) {
  app->add_option("--spans", flags.spans, "Spans to ingest")->check(CLI::PositiveNumber);
  app->add_option("--batch-size", flags.batch_size, "Spans per insert request")
      ->check(CLI::Range(1, 100'000));
  app->add_option("--seed", flags.seed, "Generator seed");
  app->add_option("--text-bytes", flags.shape.text_bytes, "Mean bytes of input + output per span");
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
  sluice::LimitMallocArenas();  // as sluice's own main does
  using namespace sluice::bench;
  CLI::App app{"Measures how fast sluice ingests generated spans."};
  app.require_subcommand(1);
  CommonFlags common;
  HttpIngestOptions http;
  CLI::App* http_cmd = app.add_subcommand("http", "POST batches to a running server");
  AddCommonFlags(http_cmd, common);
  http_cmd->add_option("--url", http.url, "Server base URL (http://127.0.0.1:PORT)")->required();
  http_cmd->add_option("--api-key", http.api_key, "API key (sk-...)")->required();
  http_cmd->add_option("--project-id", http.project_id, "Project receiving the logs")->required();
  http_cmd->add_option("--connections", http.connections, "Concurrent connections")
      ->check(CLI::Range(1, 16));
  http_cmd->add_option("--server-pid", http.server_pid, "Server pid, to report its peak RSS");
  http_cmd->add_option("--total-spans", http.total_spans,
                       "Post this many spans (rounded up to whole --spans rounds) by reposting "
                       "the generated batches with fresh ids (insert API only)");
  http_cmd->add_option("--window", http.window_spans,
                       "Also print the rate of every this many accepted spans");
  http_cmd->add_flag("--logs3", http.logs3,
                     "POST the SDKs' /logs3 bodies instead of the insert API");
  http_cmd->add_flag("--otlp", http.otlp,
                     "POST OTLP protobuf to /otel/v1/traces instead of the insert API");
  http_cmd->add_flag("--otlp-rows", common.shape.otlp_rows,
                     "POST insert API bodies holding the rows the OTLP mapping stores for the "
                     "same spans");
  std::string db_path;
  CLI::App* store_cmd = app.add_subcommand("store", "Insert straight into a new SQLite store");
  AddCommonFlags(store_cmd, common);
  store_cmd->add_option("--db", db_path, "Database file to create")->required();
  bool store_otlp = false;
  store_cmd->add_flag("--otlp", store_otlp, "Also time OTLP decode + map of the same spans");
  store_cmd->add_flag("--otlp-rows", common.shape.otlp_rows,
                      "Insert API bodies hold the rows the OTLP mapping stores for the spans");
  bool store_pg = false;
  store_cmd->add_flag("--pg", store_pg,
                      "Also insert the same batches into a PostgreSQL 15 server the bench starts");
  std::string pg_uri;
  store_cmd->add_option("--pg-uri", pg_uri,
                        "Also insert the same batches into this PostgreSQL database (libpq URI)");
  int parse_rounds = 0;
  store_cmd
      ->add_option("--parse-rounds", parse_rounds,
                   "Instead of storing: parse the batches this many times with the insert API's "
                   "parser and with OTLP decode + map, alternating, and compare their CPU time")
      ->check(CLI::Range(1, 1000));
  CLI11_PARSE(app, argc, argv);
  if (http_cmd->parsed()) {
    if (http.logs3) common.shape.logs3_project_id = http.project_id;
    common.shape.otlp = http.otlp;
    if (http.total_spans > 0 && (http.logs3 || http.otlp || common.shape.otlp_rows)) {
      std::fprintf(stderr, "--total-spans reposts insert API bodies only\n");
      return 2;
    }
    return RunHttp(common, http);
  }
  if (parse_rounds > 0) return RunParseRounds(common, parse_rounds);
  return RunStore(common, db_path, store_otlp, store_pg, pg_uri);
}
