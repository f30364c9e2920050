// store_query_bench: latency of BTQL queries over N spans (default 10M) stored in the embedded
// SQLite store the way `sluice serve` stores them, run through the store and the query engine as
// `POST /btql` runs them (query::RunQuery on the store, rows written as the endpoint's JSON).
// Peer in the same run: DuckDB (@duckdb/node-api from tests/node_modules) querying the same rows
// as one Parquet file written by sluice's Parquet writer. The database and the file are made once
// under --dir and reused. Prints p50/p95 per query and the ratio; never fails on a slow result.
//
//   store_query_bench [--spans 10000000] [--dir bench/out/query] [--runs 20]
//                     [--text-bytes 512] [--duckdb-threads 2] [--queries all|<name>,...]
// --duckdb-threads 0 runs sluice alone (for profiling).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/format/duckdb_peer.h"
#include "bench/format/measure.h"
#include "bench/gen/span_generator.h"
#include "common/json.h"
#include "common/json_writer.h"
#include "common/time_util.h"
#include "common/uuid.h"
#include "format/output_sink.h"
#include "format/schemas.h"
#include "format/writer_factory.h"
#include "model/event_write.h"
#include "query/query.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::bench {
namespace {

struct Args {
  int64_t spans = 10'000'000;
  std::string dir = "bench/out/query";
  int runs = 20;
  size_t text_bytes = 512;
  int duckdb_threads = 2;
  std::string queries = "all";
};

constexpr char kUsage[] =
    "usage: store_query_bench [--spans 10000000] [--dir bench/out/query] [--runs 20]\n"
    "                         [--text-bytes 512] [--duckdb-threads 2] [--queries all|<name>,...]\n";

// The flags, or nullopt (and the usage on stderr) for anything else: a mistyped flag must not
// start filling a 10M-span database under the default directory.
std::optional<Args> ParseArgs(int argc, char** argv) {
  static const char* const kFlags[] = {"--spans",          "--dir",    "--runs", "--text-bytes",
                                       "--duckdb-threads", "--queries"};
  std::map<std::string, std::string> f;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    const bool known = std::find(std::begin(kFlags), std::end(kFlags), flag) != std::end(kFlags);
    if (!known || i + 1 == argc) {
      std::fprintf(stderr, "%s%s\n", kUsage,
                   known ? ("store_query_bench: " + flag + " needs a value").c_str()
                         : ("store_query_bench: unknown argument " + flag).c_str());
      return std::nullopt;
    }
    f[flag] = argv[i + 1];
  }
  Args a;
  if (f.count("--spans")) a.spans = std::atoll(f["--spans"].c_str());
  if (f.count("--dir")) a.dir = f["--dir"];
  if (f.count("--runs")) a.runs = std::max(1, std::atoi(f["--runs"].c_str()));
  if (f.count("--text-bytes")) a.text_bytes = std::strtoull(f["--text-bytes"].c_str(), nullptr, 10);
  if (f.count("--duckdb-threads")) a.duckdb_threads = std::atoi(f["--duckdb-threads"].c_str());
  if (f.count("--queries")) a.queries = f["--queries"];
  return a;
}

SpanGeneratorOptions GeneratorOptions(const Args& a, const model::Project& p) {
  SpanGeneratorOptions o;
  o.seed = 11;
  o.span_count = static_cast<uint64_t>(a.spans);
  o.mean_text_bytes_per_span = a.text_bytes;
  o.org_id = p.org_id;
  o.project_id = p.id;
  return o;
}

// Opens the benchmark database, filling it first when it has no project yet: one project whose
// logs hold the generated spans, inserted through the insert API's parser in 10,000-span
// transactions.
Result<model::Project> Prepare(store::Store& store, const Args& a) {
  SLUICE_ASSIGN_OR_RETURN(auto orgs, store.ListOrgs());
  if (!orgs.empty()) {
    SLUICE_ASSIGN_OR_RETURN(auto p, store.FindProjectByName(orgs[0].id, "bench"));
    if (!p) return NotFoundError("project bench missing: delete the database and start again");
    return *p;
  }
  SLUICE_ASSIGN_OR_RETURN(model::Org org, store.CreateOrg("bench"));
  SLUICE_ASSIGN_OR_RETURN(
      model::Project project,
      store.CreateProject({NewUuid(), org.id, "bench", "", RealClock().NowMicros()}));
  SpanGenerator gen(GeneratorOptions(a, project));
  const auto start = std::chrono::steady_clock::now();
  int64_t bytes = 0;
  for (int64_t done = 0; done < a.spans;) {
    std::string body = "{\"events\":[";
    const int64_t n = std::min<int64_t>(10'000, a.spans - done);
    for (int64_t i = 0; i < n; ++i) {
      if (i > 0) body += ',';
      AppendInsertEventJson(gen.Next(), body);
    }
    body += "]}";
    bytes += static_cast<int64_t>(body.size());
    SLUICE_ASSIGN_OR_RETURN(auto writes, model::ParseInsertRequest(body));
    SLUICE_RETURN_IF_ERROR(store
                               .InsertEvents({model::ObjectType::kProjectLogs, project.id}, org.id,
                                             project.id, writes, RealClock().NowMicros())
                               .status());
    done += n;
    if (done % 1'000'000 == 0) {
      std::printf("  stored %lld spans, %.0f s\n", static_cast<long long>(done), Seconds(start));
      std::fflush(stdout);
    }
  }
  std::printf("stored %lld spans (%.0f B each as insert JSON) in %.0f s\n",
              static_cast<long long>(a.spans), static_cast<double>(bytes) / a.spans,
              Seconds(start));
  return project;
}

// Writes every stored row of the project's logs, in _xact_id order, to one Parquet file (zstd)
// with the span export's schema, the way an export writes them.
Status WriteParquet(store::Store& store, const model::Project& p, const std::string& path) {
  const auto start = std::chrono::steady_clock::now();
  const std::string tmp = path + ".tmp";
  SLUICE_ASSIGN_OR_RETURN(auto sink, format::OpenFileSink(tmp));
  SLUICE_ASSIGN_OR_RETURN(auto writer, format::NewRowWriter(format::WriterOptions{}, *sink));
  SLUICE_RETURN_IF_ERROR(writer->Begin(format::SpanSchema()));
  model::ScanRequest scan;
  scan.object = {model::ObjectType::kProjectLogs, p.id};
  SLUICE_ASSIGN_OR_RETURN(auto stream, store.Scan(scan));
  std::vector<model::Event> batch(10'000);
  for (;;) {
    size_t n = 0;
    while (n < batch.size()) {
      SLUICE_ASSIGN_OR_RETURN(bool more, stream->Next(&batch[n]));
      if (!more) break;
      ++n;
    }
    if (n == 0) break;
    SLUICE_RETURN_IF_ERROR(writer->WriteEvents({batch.data(), n}));
    if (n < batch.size()) break;
  }
  SLUICE_RETURN_IF_ERROR(writer->Finish());
  std::filesystem::rename(tmp, path);
  std::printf("wrote %lld rows to %s (%.0f MB) in %.0f s\n",
              static_cast<long long>(writer->stats().rows), path.c_str(),
              static_cast<double>(writer->stats().bytes) / 1e6, Seconds(start));
  return Status();
}

struct Case {
  std::string name;
  std::string btql;
  std::string sql;  // DuckDB's, over the view `spans`
};

struct Latency {
  double p50_ms = 0;
  double p95_ms = 0;
  double cpu_p50_ms = 0;  // CPU time (all threads of the process for DuckDB)
  int64_t rows = 0;
  int64_t scanned = 0;
};

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const size_t at = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(at, v.size() - 1)];
}

// What one run of a query returned.
struct Counted {
  int64_t rows = 0;
  int64_t scanned = 0;
};

// Wall and the process's CPU time from its construction to Stop(): a count cut into parts
// runs them on threads of its own.
class Stopwatch {
 public:
  void Stop() {
    wall_ms_ = Seconds(start_) * 1e3;
    cpu_ms_ = (CpuSeconds() - cpu_start_) * 1e3;
  }
  double wall_ms() const { return wall_ms_; }
  double cpu_ms() const { return cpu_ms_; }

 private:
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  const double cpu_start_ = CpuSeconds();
  double wall_ms_ = 0;
  double cpu_ms_ = 0;
};

// One warm-up call of `once(stopwatch)`, then `runs` timed ones. `once` must stop the watch
// when its answer is complete, so that freeing the answer is not timed.
template <typename Once>
Result<Latency> TimeRuns(int runs, Once once) {
  std::vector<double> ms, cpu;
  Latency out;
  for (int run = 0; run <= runs; ++run) {
    Stopwatch watch;
    SLUICE_ASSIGN_OR_RETURN(const Counted c, once(watch));
    if (run == 0) continue;
    ms.push_back(watch.wall_ms());
    cpu.push_back(watch.cpu_ms());
    out.rows = c.rows;
    out.scanned = c.scanned;
  }
  out.p50_ms = Percentile(ms, 0.5);
  out.p95_ms = Percentile(ms, 0.95);
  out.cpu_p50_ms = Percentile(cpu, 0.5);
  return out;
}

Result<Latency> RunSluice(store::Store& store, const Case& c, int runs) {
  return TimeRuns(runs, [&](Stopwatch& watch) -> Result<Counted> {
    query::QueryContext ctx;
    query::BufferedRows sink(/*jsonl=*/false);  // the /btql handler's sink
    SLUICE_ASSIGN_OR_RETURN(query::QueryResult r, query::RunQuery(c.btql, ctx, store, sink));
    watch.Stop();
    return Counted{sink.rows(), r.spans_scanned};
  });
}

// Runs bench/query/duckdb_query.mjs once for every case: {"name": {p50_ms, p95_ms, rows}}.
Result<std::map<std::string, Latency>> RunDuckDb(const std::string& parquet,
                                                 const std::vector<Case>& cases, int runs,
                                                 int threads) {
  std::string list;
  JsonWriter w(&list);
  w.BeginObject();
  for (const Case& c : cases) w.Member(c.name, c.sql);
  w.EndObject();
  const std::string queries_path = parquet + ".queries.json";
  {
    SLUICE_ASSIGN_OR_RETURN(auto f, format::OpenFileSink(queries_path));
    SLUICE_RETURN_IF_ERROR(f->Append(list));
    SLUICE_RETURN_IF_ERROR(f->Close());
  }
  const std::string cmd =
      std::string("node ") + SLUICE_SOURCE_DIR + "/bench/query/duckdb_query.mjs '" + parquet +
      "' " + std::to_string(threads) + " " + std::to_string(runs) + " '" + queries_path + "'";
  SLUICE_ASSIGN_OR_RETURN(const std::string text, CommandOutput(cmd));
  SLUICE_ASSIGN_OR_RETURN(Json j, Json::Parse(text));
  std::map<std::string, Latency> out;
  for (const Case& c : cases) {
    const Json* v = j.Find(c.name);
    if (v == nullptr) return InternalError("no DuckDB figures for " + c.name + ": " + text);
    Latency l;
    l.p50_ms = v->Find("p50_ms")->number_value();
    l.p95_ms = v->Find("p95_ms")->number_value();
    l.rows = static_cast<int64_t>(v->Find("rows")->number_value());
    l.cpu_p50_ms = v->Find("cpu_p50_ms")->number_value();
    out[c.name] = l;
  }
  return out;
}

// The store's part of the queries: the scan the engine asks for (the hour in _xact_id order,
// with or without the metadata match), its rows counted and dropped.
Result<Latency> RunScan(store::Store& store, const model::Project& p, bool match, int runs) {
  model::ScanRequest r;
  r.object = {model::ObjectType::kProjectLogs, p.id};
  r.created_min = kDefaultStartTime + 84 * 3'600'000'000LL;
  r.created_max = *r.created_min + 3'600'000'000LL;
  if (match) r.json_matches.push_back({"metadata", {"environment"}, {"staging"}});
  return TimeRuns(runs, [&](Stopwatch& watch) -> Result<Counted> {
    SLUICE_ASSIGN_OR_RETURN(auto stream, store.Scan(r));
    model::Event e;
    int64_t n = 0;
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(bool more, stream->Next(&e));
      if (!more) break;
      ++n;
    }
    watch.Stop();
    return Counted{n, 0};
  });
}

double LoadAverage() {
  double l[1] = {0};
  return getloadavg(l, 1) == 1 ? l[0] : -1;
}

std::vector<Case> Cases(const Args& a) {
  // One hour in the middle of the generator's seven days (about 1/168 of the spans), and the
  // second most common environment (18% of traces).
  const TimestampMicros from = kDefaultStartTime + 84 * 3'600'000'000LL;
  const TimestampMicros to = from + 3'600'000'000LL;
  const std::string f = FormatRfc3339(from), t = FormatRfc3339(to);
  const std::string btql_filter =
      "metadata.environment = 'staging' and created >= '" + f + "' and created < '" + t + "'";
  const std::string sql_filter =
      "json_extract_string(metadata, '$.environment') = 'staging' AND created >= TIMESTAMPTZ '" +
      f + "' AND created < TIMESTAMPTZ '" + t + "'";
  const std::string from_clause = "from: project_logs('$P') | ";
  std::vector<Case> all = {
      // The endpoint's default page: the first 1,000 matching rows in _xact_id order.
      {"page", from_clause + "select: * | filter: " + btql_filter,
       "SELECT * FROM spans WHERE " + sql_filter + " ORDER BY _xact_id, id LIMIT 1000"},
      // Every matching row, newest first.
      {"all_rows",
       from_clause + "select: * | filter: " + btql_filter + " | sort: created desc | limit: 100000",
       "SELECT * FROM spans WHERE " + sql_filter + " ORDER BY created DESC LIMIT 100000"},
      // How many rows match.
      {"count", from_clause + "measures: count(1) as n | filter: " + btql_filter,
       "SELECT count(*) AS n FROM spans WHERE " + sql_filter},
  };
  if (a.queries == "all") return all;
  std::vector<Case> out;
  for (Case& c : all) {
    if (("," + a.queries + ",").find("," + c.name + ",") != std::string::npos) out.push_back(c);
  }
  return out;
}

// Writes the Parquet file DuckDB reads unless an earlier run left it; false (error printed) if not.
bool WriteParquetIfMissing(store::Store& store, const model::Project& p,
                           const std::string& parquet) {
  if (std::filesystem::exists(parquet)) return true;
  Status s = WriteParquet(store, p, parquet);
  if (!s.ok()) {
    std::printf("parquet: %s\n", s.ToString().c_str());
    return false;
  }
  return true;
}

// A store builds its sealed segments' id filters in the background after it opens, as
// `sluice serve` does at start: let that finish before timing (a filter that fails to build
// is never attached: after 120 s the bench goes on and says so).
void WaitForIdFilters(store::sqlite::SqliteStore& store) {
  for (int waited = 0;; ++waited) {
    bool ready = true;
    for (const auto& s : store.Segments()->segments) {
      ready = ready && (s.state != store::sqlite::SegmentState::kSealed || s.ids != nullptr);
    }
    if (ready) return;
    if (waited == 1200) {
      std::printf("id filters still missing after 120 s: timing without them\n");
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Times every case through sluice into `out`; false (error printed) when one fails.
bool TimeSluice(store::Store& store, const std::vector<Case>& cases, int runs,
                std::map<std::string, Latency>* out) {
  for (const Case& c : cases) {
    auto l = RunSluice(store, c, runs);
    if (!l.ok()) {
      std::printf("%s: %s\n", c.name.c_str(), l.status().ToString().c_str());
      return false;
    }
    (*out)[c.name] = *l;
  }
  return true;
}

// Times and prints the store's scan alone, without and with the metadata match; false (error
// printed) when a scan fails.
bool PrintStoreScans(store::Store& store, const model::Project& p, int runs) {
  for (bool match : {false, true}) {
    auto l = RunScan(store, p, match, runs);
    if (!l.ok()) {
      std::printf("scan: %s\n", l.status().ToString().c_str());
      return false;
    }
    std::printf("store scan alone, the hour%s: %lld rows, p50 %.1f ms, CPU p50 %.1f ms\n",
                match ? " and metadata.environment = 'staging'" : "",
                static_cast<long long>(l->rows), l->p50_ms, l->cpu_p50_ms);
  }
  return true;
}

// One line per case with sluice's figures alone (no DuckDB run, for profiling).
void PrintSluiceAlone(const std::vector<Case>& cases,
                      const std::map<std::string, Latency>& sluice) {
  for (const Case& c : cases) {
    const Latency& s = sluice.at(c.name);
    std::printf("%-9s | p50 %8.1f ms, p95 %8.1f ms, CPU p50 %8.1f ms, %lld rows, %lld read\n",
                c.name.c_str(), s.p50_ms, s.p95_ms, s.cpu_p50_ms, static_cast<long long>(s.rows),
                static_cast<long long>(s.scanned));
  }
}

// Times every case in DuckDB over the Parquet file and prints the table of both and their ratio.
void PrintAgainstDuckDb(const std::string& parquet, const std::vector<Case>& cases,
                        const std::map<std::string, Latency>& sluice, const Args& a) {
  auto duck = RunDuckDb(parquet, cases, a.runs, a.duckdb_threads);
  if (!duck.ok()) {
    std::printf("duckdb: %s\n", duck.status().ToString().c_str());
    return;
  }
  std::printf("%-9s | %8s %8s %8s %7s %9s | %8s %8s %8s %7s | %s\n", "query", "p50 ms", "p95 ms",
              "CPU p50", "rows", "scanned", "duck p50", "duck p95", "CPU p50", "rows",
              "p50 sluice/duckdb");
  for (const Case& c : cases) {
    const Latency& s = sluice.at(c.name);
    const Latency& d = duck->at(c.name);
    std::printf("%-9s | %8.1f %8.1f %8.1f %7lld %9lld | %8.1f %8.1f %8.1f %7lld | %.2fx%s\n",
                c.name.c_str(), s.p50_ms, s.p95_ms, s.cpu_p50_ms, static_cast<long long>(s.rows),
                static_cast<long long>(s.scanned), d.p50_ms, d.p95_ms, d.cpu_p50_ms,
                static_cast<long long>(d.rows), s.p50_ms / d.p50_ms,
                s.rows == d.rows ? "" : "  (row counts differ)");
  }
  std::printf("DuckDB threads: %d; load average after: %.2f\n", a.duckdb_threads, LoadAverage());
}

int Main(const Args& a) {
  std::filesystem::create_directories(a.dir);
  const std::string base =
      a.dir + "/spans-" + std::to_string(a.spans) + "-" + std::to_string(a.text_bytes);
  auto store = store::sqlite::SqliteStore::Open(base + ".db");
  if (!store.ok()) {
    std::printf("open: %s\n", store.status().ToString().c_str());
    return 0;
  }
  auto project = Prepare(**store, a);
  if (!project.ok()) {
    std::printf("fill: %s\n", project.status().ToString().c_str());
    return 0;
  }
  const std::string parquet = base + ".parquet";
  if (!WriteParquetIfMissing(**store, *project, parquet)) return 0;
  WaitForIdFilters(**store);
  std::vector<Case> cases = Cases(a);
  for (Case& c : cases) c.btql.replace(c.btql.find("$P"), 2, project->id);
  std::printf("store_query_bench: %lld spans, %d runs per query, load average %.2f\n",
              static_cast<long long>(a.spans), a.runs, LoadAverage());
  std::map<std::string, Latency> sluice;
  if (!TimeSluice(**store, cases, a.runs, &sluice)) return 0;
  if (!PrintStoreScans(**store, *project, a.runs)) return 0;
  if (a.duckdb_threads <= 0) {  // sluice alone (for profiling)
    PrintSluiceAlone(cases, sluice);
    return 0;
  }
  PrintAgainstDuckDb(parquet, cases, sluice, a);
  return 0;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
  if (argc == 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::fputs(sluice::bench::kUsage, stdout);
    return 0;
  }
  const std::optional<sluice::bench::Args> args = sluice::bench::ParseArgs(argc, argv);
  return args ? sluice::bench::Main(*args) : 2;
}
