// Export benchmark: from N stored spans (default 1M), one export run each to a local directory,
// to moto (S3 through an assumed role with an ExternalId, signatures and IAM checked) and to
// Azurite (Azure Blob Storage with Shared Key, blocks and their commit), as JSON Lines and as
// Parquet: spans/s, MB/s, CPU and the run's peak RSS (each case runs in its
// own process so VmHWM is its own). Peer in the same run: the sqlite3 command-line shell
// dumping the same rows as JSON. With `pg-` cases, the same spans are also stored in a
// PostgreSQL 15 server the bench starts (as the store tests do) and exported from there, so the
// two backends are compared in one run; the time each took to store the spans is printed too.
// The `duckdb` case has DuckDB (@duckdb/node-api from tests/node_modules) convert the JSON Lines
// files the `local-jsonl` case before it exported to one Parquet + ZSTD file, with 1 and with 2
// threads: the peer of the Parquet export. With scan, local-jsonl, duckdb and local-parquet in
// one run, the bench ends with their ratios (see docs/benchmarks.md, "Exports nearer the read
// bound"); with `--rounds N` the list runs N times in turn and the ratios' medians end it.
// Prints figures; never fails on a slow result.
//
//   export_bench [--spans 1000000] [--dir bench/out/export] [--cases local-jsonl,...] [--fresh 1]
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "azurite_server.h"
#include "bench/format/duckdb_peer.h"
#include "bench/format/measure.h"
#include "bench/gen/span_generator.h"
#include "cloud/aws/credentials.h"
#include "cloud/http/curl_http_client.h"
#include "common/json.h"
#include "common/malloc_arenas.h"
#include "common/uuid.h"
#include "jobs/automation_config.h"
#include "jobs/export_runner.h"
#include "model/event_write.h"
#include "moto_server.h"
#include "pg_server.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::bench {
namespace {

constexpr char kBucket[] = "sluice-export-bench";  // also Azurite's container
constexpr char kAutomationName[] = "export-bench";

struct Args {
  int64_t spans = 1'000'000;
  std::string dir = "bench/out/export";
  std::string cases = "scan,local-jsonl,local-parquet,moto-jsonl,moto-parquet";
  bool fresh = false;           // refill the SQLite database (so its ingest is timed in this run)
  bool no_sqlite_peer = false;  // skip the sqlite3 shell's dump at the end
  // The case list runs this many times in turn; each round prints its ratios, the last their
  // medians (on a busy machine one round's ratio moves by more than the goals' margins).
  int rounds = 1;
  // Child process only (pg_uri also in the parent once the server runs).
  std::string run_case, endpoint, key_id, secret, role_arn, pg_uri;
};

std::map<std::string, std::string> Flags(int argc, char** argv) {
  std::map<std::string, std::string> f;
  for (int i = 1; i + 1 < argc; i += 2) f[argv[i]] = argv[i + 1];
  return f;
}

struct Fixture {
  model::Org org;
  model::Project project;
  model::Automation automation;
};

// Opens (or fills) the benchmark database: one project with `spans` generated spans and one
// export automation whose id fixes the ExternalId.
Result<Fixture> Prepare(store::Store& store, int64_t spans, const char* label = "") {
  Fixture f;
  SLUICE_ASSIGN_OR_RETURN(auto orgs, store.ListOrgs());
  if (!orgs.empty()) {
    f.org = orgs[0];
    SLUICE_ASSIGN_OR_RETURN(auto p, store.FindProjectByName(f.org.id, "bench"));
    if (!p) return NotFoundError("project bench missing: delete the database and start again");
    f.project = *p;
    SLUICE_ASSIGN_OR_RETURN(auto a, store.FindAutomationByName(f.project.id, kAutomationName));
    if (!a) return NotFoundError("automation missing: delete the database and start again");
    f.automation = *a;
    return f;
  }
  SLUICE_ASSIGN_OR_RETURN(f.org, store.CreateOrg("bench"));
  SLUICE_ASSIGN_OR_RETURN(
      f.project, store.CreateProject({NewUuid(), f.org.id, "bench", "", RealClock().NowMicros()}));
  SpanGeneratorOptions o;
  o.org_id = f.org.id;
  o.project_id = f.project.id;
  o.span_count = static_cast<uint64_t>(spans);
  SpanGenerator gen(o);
  const auto start = std::chrono::steady_clock::now();
  for (int64_t done = 0; done < spans;) {
    std::string body = "{\"events\":[";
    const int64_t n = std::min<int64_t>(10'000, spans - done);
    for (int64_t i = 0; i < n; ++i) {
      if (i > 0) body += ',';
      AppendInsertEventJson(gen.Next(), body);
    }
    body += "]}";
    SLUICE_ASSIGN_OR_RETURN(auto writes, model::ParseInsertRequest(body));
    SLUICE_RETURN_IF_ERROR(store
                               .InsertEvents({model::ObjectType::kProjectLogs, f.project.id},
                                             f.org.id, f.project.id, writes,
                                             RealClock().NowMicros())
                               .status());
    done += n;
  }
  const double secs = Seconds(start);
  std::printf("%sstored %lld spans in %.1f s (%.0f spans/s, batches of 10,000)\n", label,
              static_cast<long long>(spans), secs, spans / secs);
  f.automation.id = NewUuid();
  f.automation.org_id = f.org.id;
  f.automation.project_id = f.project.id;
  f.automation.name = kAutomationName;
  f.automation.type = model::AutomationType::kExport;
  f.automation.config = *Json::Parse(R"({"event_type":"btql_export"})");
  SLUICE_ASSIGN_OR_RETURN(f.automation, store.CreateAutomation(f.automation));
  return f;
}

std::string ExternalIdOf(const Fixture& f) {
  jobs::ConfigContext ctx{f.org.id, f.project.id, f.automation.id, "sluice", nullptr, nullptr};
  return jobs::ExternalId(ctx);
}

// Reading alone: every stored span through the store's scan in export order, no file.
int ScanOnly(store::Store& store, const Fixture& f, const std::string& name) {
  const double cpu0 = CpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  model::ScanRequest scan;
  scan.object = {model::ObjectType::kProjectLogs, f.project.id};
  scan.after = model::XactCursor{};
  auto stream = store.Scan(scan);
  if (!stream.ok()) return 1;
  model::Event e;
  long long rows = 0, bytes = 0;
  while (true) {
    auto more = (*stream)->Next(&e);
    if (!more.ok() || !*more) break;
    ++rows;
    bytes += static_cast<long long>(e.input.size() + e.output.size() + e.metadata.size() +
                                    e.metrics.size());
  }
  std::printf("RESULT %s %lld %lld 0 %.3f %.3f %lld\n", name.c_str(), rows, bytes, Seconds(start),
              CpuSeconds() - cpu0, static_cast<long long>(PeakRssBytes()));
  return 0;
}

// The store a case reads: the SQLite file, or PostgreSQL for `pg-` cases.
Result<std::unique_ptr<store::Store>> OpenStore(const Args& args, bool pg) {
  if (pg) {
    SLUICE_ASSIGN_OR_RETURN(auto s, store::postgres::PgStore::Open(args.pg_uri));
    return std::unique_ptr<store::Store>(std::move(s));
  }
  SLUICE_ASSIGN_OR_RETURN(auto s, store::sqlite::SqliteStore::Open(args.dir + "/spans.db"));
  return std::unique_ptr<store::Store>(std::move(s));
}

// What follows "export_definition": in a case's config, up to the comma before "format".
// `…-traces-…` cases export one row per trace (every trace is idle: none waits); `…-query-…`
// cases export a custom query's rows (`select: *` of the logs: every span, every field).
std::string ExportDefinition(const std::string& kind, const std::string& project_id) {
  const bool traces = kind.find("traces") != std::string::npos;
  std::string definition =
      traces ? R"({"type":"log_traces"},"trace_idle_seconds":0,)" : R"({"type":"log_spans"},)";
  if (kind.find("query") != std::string::npos) {
    definition = R"({"type":"btql_query","btql_query":"select: * | from: project_logs(')" +
                 project_id + "')\"},";
  }
  return definition;
}

// A case's automation config (`kind`: its name without `pg-`); local cases write to `local_dir`.
std::string ExportConfig(const Args& args, const std::string& kind, const Fixture& f,
                         const std::string& local_dir) {
  const std::string format = args.run_case.ends_with("parquet") ? "parquet" : "jsonl";
  std::string config = R"({"event_type":"btql_export","export_definition":)" +
                       ExportDefinition(kind, f.project.id) + R"("format":")" + format +
                       R"(","interval_seconds":3600,"max_iterations":1000,)";
  if (kind.starts_with("moto")) {
    config += R"("export_path":"s3://)" + std::string(kBucket) +
              R"(/allowed/bench","credentials":{"type":"aws_iam","role_arn":")" + args.role_arn +
              "\"}}";
  } else if (kind.starts_with("azurite")) {
    config += R"("export_path":"az://)" + std::string(testing::kDevAccount) + "/" + kBucket +
              R"(/allowed/bench","credentials":{"type":"azure_shared_key"}})";
  } else {
    config += R"("export_path":"file://)" + local_dir + "\"}";
  }
  return config;
}

// Stores `config` in the automation and registers its export afresh; the automation, or the error.
Result<model::Automation> ConfigureExport(store::Store& store, const Fixture& f,
                                          const std::string& config) {
  jobs::ConfigContext ctx{f.org.id, f.project.id, f.automation.id, "sluice", nullptr, nullptr};
  auto valid = jobs::ValidateAutomationConfig(*Json::Parse(config), ctx);
  if (!valid.ok()) return valid.status();
  model::Automation automation = f.automation;
  automation.config = *valid;
  (void)store.UpdateAutomation(automation);
  (void)store.ResetExport(automation.id);
  auto token = model::MintKey(model::KeyKind::kServiceToken, f.org.id, "bench",
                              {{f.project.id, model::Permission::kRead}}, RealClock().NowMicros());
  (void)store.CreateApiKey(token.key);
  (void)store.RegisterExport(automation.id, token.key.id, RealClock().NowMicros());
  return automation;
}

// The object store clients' endpoint (--endpoint), and Azurite's account for azurite- cases.
cloud::DestinationFactoryOptions DestinationOptions(const Args& args, bool azurite) {
  cloud::DestinationFactoryOptions dest_options;
  dest_options.aws.s3_endpoint = args.endpoint;
  dest_options.aws.sts_endpoint = args.endpoint;
  dest_options.s3_path_style = true;
  if (azurite) {
    dest_options.azure.blob_endpoint = args.endpoint;
    dest_options.azure.connection_account = testing::kDevAccount;
    dest_options.azure.account_key = testing::kDevAccountKey;
  }
  return dest_options;
}

// One timed run of the configured export; prints its RESULT line (0), or the error (1).
int TimeExportRun(const Args& args, bool azurite, store::Store& store,
                  const model::Automation& automation) {
  cloud::CurlHttpClient http;
  cloud::StaticCredentialsProvider base(cloud::AwsCredentials{args.key_id, args.secret, "", 0});
  cloud::MapEnvironment env;
  cloud::DestinationFactory factory(DestinationOptions(args, azurite), http, base, env,
                                    RealClock());
  jobs::CloudDestinationProvider destinations(factory);
  jobs::ExportRunner runner(store, RealClock(), destinations);
  const double cpu0 = CpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  auto run = runner.Run(automation, model::RunTrigger::kManual);
  const double secs = Seconds(start);
  const double cpu = CpuSeconds() - cpu0;
  if (!run.ok()) return std::fprintf(stderr, "%s\n", run.status().ToString().c_str()), 1;
  if (!run->error.empty()) std::fprintf(stderr, "run: %s\n", run->error.c_str());
  std::printf("RESULT %s %lld %lld %lld %.3f %.3f %lld\n", args.run_case.c_str(),
              static_cast<long long>(run->stats.Find("rows")->int_value()),
              static_cast<long long>(run->stats.Find("bytes")->int_value()),
              static_cast<long long>(run->stats.Find("files")->int_value()), secs, cpu,
              static_cast<long long>(PeakRssBytes()));
  return 0;
}

// The child: one export run of every stored span for one case; prints one RESULT line.
int RunCase(const Args& args) {
  const bool pg = args.run_case.starts_with("pg-");
  const std::string kind = pg ? args.run_case.substr(3) : args.run_case;
  auto store = OpenStore(args, pg);
  if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().ToString().c_str()), 1;
  auto f = Prepare(**store, args.spans);
  if (!f.ok()) return std::fprintf(stderr, "%s\n", f.status().ToString().c_str()), 1;
  if (kind == "scan") return ScanOnly(**store, *f, args.run_case);
  const std::string local_dir = std::filesystem::absolute(args.dir + "/files").string();
  std::filesystem::remove_all(local_dir);
  std::filesystem::create_directories(local_dir);
  auto automation = ConfigureExport(**store, *f, ExportConfig(args, kind, *f, local_dir));
  if (!automation.ok()) {
    return std::fprintf(stderr, "%s\n", automation.status().ToString().c_str()), 1;
  }
  return TimeExportRun(args, kind.starts_with("azurite"), **store, *automation);
}

struct CaseResult {
  std::string name;
  long long rows = 0, bytes = 0, files = 0, rss = 0;
  double seconds = 0, cpu = 0;
};

bool Spawn(const std::string& self, const Args& a, const std::string& name,
           const testing::MotoIdentity* id, const std::string& endpoint, CaseResult* out) {
  std::string cmd =
      self + " --case " + name + " --dir '" + a.dir + "' --spans " + std::to_string(a.spans);
  if (name.starts_with("pg-")) cmd += " --pg '" + a.pg_uri + "'";
  if (id != nullptr) {
    // Credentials go through the environment, not the command line.
    setenv("BENCH_AWS_ACCESS_KEY_ID", id->access_key_id.c_str(), 1);
    setenv("BENCH_AWS_SECRET_ACCESS_KEY", id->secret_access_key.c_str(), 1);
    cmd += " --role " + id->role_arn;
  }
  if (!endpoint.empty()) cmd += " --endpoint " + endpoint;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return false;
  char line[1024];
  bool found = false;
  while (std::fgets(line, sizeof line, p) != nullptr) {
    char n[64];
    if (std::sscanf(line, "RESULT %63s %lld %lld %lld %lf %lf %lld", n, &out->rows, &out->bytes,
                    &out->files, &out->seconds, &out->cpu, &out->rss) == 7) {
      out->name = n;
      found = true;
    } else {
      std::fputs(line, stdout);
    }
  }
  return pclose(p) == 0 && found;
}

// The Parquet export's peer: DuckDB converting the JSON Lines files of the last local-jsonl
// case (`<dir>/files`) to one Parquet + ZSTD file with `threads` threads. rows is what the
// files hold; rss the peak RSS the conversion added.
bool DuckDbConvert(const Args& a, int threads, CaseResult* out) {
  const std::string files = std::filesystem::absolute(a.dir + "/files").string();
  const std::string prefix =
      std::filesystem::absolute(a.dir).string() + "/duckdb_t" + std::to_string(threads);
  const std::string cmd = std::string("node ") + SLUICE_SOURCE_DIR +
                          "/bench/format/duckdb_convert.mjs '" + files + "/**/*.jsonl' '" + prefix +
                          "' " + std::to_string(threads) + " '" + DuckTypes() + "' convert";
  sync();
  auto json = DuckDbAnswer(cmd, "convert");
  if (!json.ok()) return std::printf("duckdb: %s\n", json.status().ToString().c_str()), false;
  const StepFigures m = ReadStepFigures(json->Find("convert"));
  out->name = "duckdb-convert-t" + std::to_string(threads);
  out->rows = a.spans;
  out->bytes = m.bytes;
  out->files = 1;
  out->seconds = m.seconds;
  out->cpu = m.cpu_seconds;
  out->rss = m.peak_rss_bytes;
  std::filesystem::remove(prefix + "_convert.parquet");
  return true;
}

// Decimals a ratio is printed with: file sizes are compared to a thousandth (the goal is 1.02x).
int RatioDigits(const std::string& label) { return label.ends_with("size:") ? 3 : 2; }

// The ratios the export goals are stated in, from the cases of one round that have them:
// printed under `title`, and returned as (label, ratio) pairs.
std::vector<std::pair<std::string, double>> PrintRatios(const std::map<std::string, CaseResult>& r,
                                                        const std::string& title) {
  auto rate = [&](const std::string& name) {
    auto it = r.find(name);
    return it == r.end() || it->second.seconds <= 0 ? 0.0 : it->second.rows / it->second.seconds;
  };
  auto bytes = [&](const std::string& name) {
    auto it = r.find(name);
    return it == r.end() ? 0.0 : static_cast<double>(it->second.bytes);
  };
  std::vector<std::pair<std::string, double>> out;
  auto add = [&out](std::string label, double ratio) { out.emplace_back(std::move(label), ratio); };
  if (rate("scan") > 0 && rate("local-jsonl") > 0) {
    add("JSON Lines export / scan rate:", rate("local-jsonl") / rate("scan"));
  }
  if (rate("scan") > 0 && rate("local-parquet") > 0) {
    add("Parquet export / scan rate:", rate("local-parquet") / rate("scan"));
  }
  for (const std::string duck : {"duckdb-convert-t1", "duckdb-convert-t2"}) {
    if (rate(duck) <= 0 || rate("local-parquet") <= 0) continue;
    add("Parquet export / " + duck + " rate:", rate("local-parquet") / rate(duck));
    add("Parquet export / " + duck + " file size:", bytes("local-parquet") / bytes(duck));
  }
  std::printf("%s\n", title.c_str());
  for (const auto& [label, ratio] : out) {
    std::printf("  %-45s %.*f\n", label.c_str(), RatioDigits(label), ratio);
  }
  return out;
}

// Each ratio's median over the rounds that had it.
void PrintMedians(const std::vector<std::vector<std::pair<std::string, double>>>& rounds) {
  std::vector<std::string> labels;
  std::map<std::string, std::vector<double>> values;
  for (const auto& round : rounds) {
    for (const auto& [label, ratio] : round) {
      if (values[label].empty()) labels.push_back(label);
      values[label].push_back(ratio);
    }
  }
  std::printf("medians over %zu rounds:\n", rounds.size());
  for (const std::string& label : labels) {
    std::vector<double>& v = values[label];
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    const double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    const int digits = RatioDigits(label);
    std::printf("  %-45s %.*f (%zu rounds, %.*f to %.*f)\n", label.c_str(), digits, median, n,
                digits, v.front(), digits, v.back());
  }
}

// The peer: sqlite3's shell writing the same rows as JSON.
void SqlitePeer(const Args& a, int64_t spans) {
  const std::string out = a.dir + "/sqlite3_dump.json";
  const std::string cmd =
      "sqlite3 -json '" + a.dir +
      "/spans.db' \"SELECT id, xact_id AS _xact_id, created, "
      "org_id, project_id, object_id AS log_id, span_id, root_span_id, span_parents, is_root, "
      "input, output, expected, error, scores, metrics, metadata, span_attributes, context, "
      "origin, tags FROM events_all\" > '" +
      out + "'";
  const auto start = std::chrono::steady_clock::now();
  if (std::system(cmd.c_str()) != 0) {
    std::printf("sqlite3 peer: failed\n");
    return;
  }
  const double secs = Seconds(start);
  const auto bytes = std::filesystem::file_size(out);
  std::printf("%-16s %9.0f spans/s %7.1f MB/s  %5.2f s  (sqlite3 -json, same rows, peer)\n",
              "sqlite3 dump", spans / secs, bytes / secs / 1e6, secs);
  std::filesystem::remove(out);
}

// Starts a PostgreSQL server with a fresh schema for the pg- cases and stores the spans there
// (a.pg_uri set); null when no server could start (the pg- cases are then skipped).
std::unique_ptr<testing::PgServer> StartPostgres(Args& a) {
  auto server = testing::PgServer::Start();
  auto uri = server.ok() ? (*server)->UriForNewSchema("bench") : server.status();
  if (!uri.ok()) {
    std::printf("postgres: not available (%s)\n", uri.status().ToString().c_str());
    return nullptr;
  }
  a.pg_uri = *uri;
  auto store = store::postgres::PgStore::Open(a.pg_uri);
  auto f = store.ok() ? Prepare(**store, a.spans, "postgres: ") : Result<Fixture>(store.status());
  if (!f.ok()) std::printf("failed: %s\n", f.status().ToString().c_str());
  return std::move(*server);
}

// "a,b,c" as {"a", "b", "c"}.
std::vector<std::string> SplitCases(const std::string& list) {
  std::vector<std::string> cases;
  for (size_t at = 0; at <= list.size();) {
    size_t comma = list.find(',', at);
    if (comma == std::string::npos) comma = list.size();
    cases.push_back(list.substr(at, comma - at));
    at = comma + 1;
  }
  return cases;
}

// The peer: DuckDB converting the JSON Lines files to Parquet with 1 and with 2 threads.
void RunDuckDb(const Args& a, std::map<std::string, CaseResult>* results) {
  for (int threads : {1, 2}) {
    CaseResult r;
    if (!DuckDbConvert(a, threads, &r)) continue;
    std::printf(
        "%-20s %9.0f spans/s  %7.1f MB/s  %5.2f s  cpu %5.2f s  1 file  %lld MB  "
        "peak RSS +%lld MiB\n",
        r.name.c_str(), r.rows / r.seconds, r.bytes / r.seconds / 1e6, r.seconds, r.cpu,
        r.bytes / 1'000'000, r.rss >> 20);
    (*results)[r.name] = r;
  }
}

// The object stores the moto- and azurite- cases write to, started when a case needs them.
struct ObjectStores {
  testing::MotoServer moto;
  bool moto_ok = false;
  testing::AzuriteServer azurite;
  bool azurite_ok = false;
};

void StartObjectStores(const Args& a, const std::string& external_id, ObjectStores* out) {
  if (a.cases.find("moto") != std::string::npos) {
    const Status s = out->moto.Start(kBucket, external_id);
    out->moto_ok = s.ok();
    if (!s.ok()) std::printf("moto: not available (%s)\n", s.ToString().c_str());
  }
  if (a.cases.find("azurite") != std::string::npos) {
    const std::string work = std::filesystem::absolute(a.dir + "/azurite").string();
    std::filesystem::create_directories(work);
    Status s = out->azurite.Start(work);
    if (s.ok()) s = out->azurite.Tool(std::string("create-container ") + kBucket).status();
    out->azurite_ok = s.ok();
    if (!s.ok()) std::printf("azurite: not available (%s)\n", s.ToString().c_str());
  }
}

// Runs every case of the list once, printing a line for each.
std::map<std::string, CaseResult> RunRound(const std::string& self, const Args& a,
                                           const ObjectStores& stores) {
  std::map<std::string, CaseResult> results;
  for (const std::string& c : SplitCases(a.cases)) {
    if (c == "duckdb") {
      RunDuckDb(a, &results);
      continue;
    }
    const bool is_moto = c.starts_with("moto");
    const bool is_azurite = c.starts_with("azurite");
    if (is_moto && !stores.moto_ok) continue;
    if (is_azurite && !stores.azurite_ok) continue;
    if (c.starts_with("pg-") && a.pg_uri.empty()) continue;
    CaseResult r;
    const std::string endpoint = is_moto      ? stores.moto.endpoint()
                                 : is_azurite ? stores.azurite.endpoint()
                                              : std::string();
    if (!Spawn(self, a, c, is_moto ? &stores.moto.identity() : nullptr, endpoint, &r)) {
      std::printf("%s: failed\n", c.c_str());
      continue;
    }
    const bool traces = c.find("traces") != std::string::npos;  // rows are traces, not spans
    std::printf(
        "%-20s %9.0f %s %7.1f MB/s  %5.2f s  cpu %5.2f s  %lld files  %lld MB  "
        "peak RSS %lld MiB%s\n",
        r.name.c_str(), r.rows / r.seconds, traces ? "traces/s" : "spans/s ",
        r.bytes / r.seconds / 1e6, r.seconds, r.cpu, r.files, r.bytes / 1'000'000, r.rss >> 20,
        r.rows == a.spans || traces ? "" : "  (ROWS MISSING)");
    results[r.name] = r;
  }
  return results;
}

int Parent(const std::string& self, Args a) {
  std::filesystem::create_directories(a.dir);
  if (a.fresh) {
    // The database and its keys file (docs/storage.md), each with its WAL and shared memory.
    for (const char* suffix : {"", "-wal", "-shm", "-keys", "-keys-wal", "-keys-shm"}) {
      std::filesystem::remove(a.dir + "/spans.db" + suffix);
    }
  }
  std::string external_id;
  std::unique_ptr<testing::PgServer> pg;
  if (a.cases.find("pg-") != std::string::npos) pg = StartPostgres(a);
  {
    auto store = store::sqlite::SqliteStore::Open(a.dir + "/spans.db");
    if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().ToString().c_str()), 1;
    auto f = Prepare(**store, a.spans, "sqlite: ");
    if (!f.ok()) return std::fprintf(stderr, "%s\n", f.status().ToString().c_str()), 1;
    external_id = ExternalIdOf(*f);
  }
  ObjectStores stores;
  StartObjectStores(a, external_id, &stores);
  std::printf("%lld stored spans; one export run per case%s (batch_size 100,000)\n",
              static_cast<long long>(a.spans), a.rounds > 1 ? " and round" : "");
  std::vector<std::vector<std::pair<std::string, double>>> ratios;
  for (int round = 1; round <= a.rounds; ++round) {
    if (a.rounds > 1) std::printf("round %d of %d\n", round, a.rounds);
    const std::map<std::string, CaseResult> results = RunRound(self, a, stores);
    ratios.push_back(PrintRatios(results, a.rounds > 1
                                              ? "ratios in round " + std::to_string(round) + ":"
                                              : "ratios in this run:"));
  }
  if (a.rounds > 1) PrintMedians(ratios);
  if (!a.no_sqlite_peer) SqlitePeer(a, a.spans);
  std::printf(
      "documented hosted limit for comparison: 100,000 rows per 5-minute interval "
      "(333 rows/s)\n");
  return 0;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
  sluice::LimitMallocArenas();  // as sluice's own main does
  using sluice::bench::Args;
  auto flags = sluice::bench::Flags(argc, argv);
  Args a;
  if (flags.count("--spans")) a.spans = std::atoll(flags["--spans"].c_str());
  if (flags.count("--dir")) a.dir = flags["--dir"];
  if (flags.count("--cases")) a.cases = flags["--cases"];
  if (flags.count("--fresh")) a.fresh = flags["--fresh"] == "1";
  if (flags.count("--pg")) a.pg_uri = flags["--pg"];
  if (flags.count("--sqlite-peer")) a.no_sqlite_peer = flags["--sqlite-peer"] == "0";
  if (flags.count("--rounds")) {
    const std::string& v = flags["--rounds"];
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), a.rounds);
    if (ec != std::errc() || end != v.data() + v.size() || a.rounds > 1000) a.rounds = 0;
  }
  if (a.rounds < 1) {
    std::fprintf(stderr, "--rounds takes a whole number from 1 to 1000, not \"%s\"\n",
                 flags["--rounds"].c_str());
    return 2;
  }
  for (int i = 1; i < argc; ++i) {
    const std::string f = argv[i];
    if (f == "--help" || f == "-h" ||
        (f.starts_with("--") && f != "--spans" && f != "--dir" && f != "--cases" &&
         f != "--fresh" && f != "--pg" && f != "--case" && f != "--sqlite-peer" &&
         f != "--endpoint" && f != "--role" && f != "--rounds")) {
      std::printf(
          "usage: export_bench [--spans N] [--dir DIR] [--cases LIST] [--fresh 1] "
          "[--sqlite-peer 0] [--rounds N]\n"
          "  cases: scan, local-jsonl, local-parquet, moto-jsonl, moto-parquet,\n"
          "  azurite-jsonl, azurite-parquet (Azurite from tests/node_modules), and pg-scan,\n"
          "  pg-local-jsonl, pg-local-parquet (PostgreSQL 15 started by the bench), and\n"
          "  local-traces-jsonl, local-traces-parquet (one row per trace), and\n"
          "  local-query-jsonl, local-query-parquet (a custom query: select * of the logs), and\n"
          "  duckdb (DuckDB converts the files of the local-jsonl case before it to Parquet with\n"
          "  1 and 2 threads); scan,local-jsonl,duckdb,local-parquet prints the ratios of the\n"
          "  export goals\n"
          "  --sqlite-peer 0: skip the sqlite3 shell dumping the same rows\n"
          "  --rounds N: run the case list N times in turn, printing each round's ratios and\n"
          "  their medians\n"
          "  --fresh 1: store the spans again (times SQLite's ingest in this run)\n");
      return f == "--help" || f == "-h" ? 0 : 2;
    }
  }
  setenv("SLUICE_SOURCE_DIR", SLUICE_SOURCE_DIR, 0);
  if (flags.count("--case")) {
    a.run_case = flags["--case"];
    a.endpoint = flags["--endpoint"];
    const char* key = std::getenv("BENCH_AWS_ACCESS_KEY_ID");
    const char* secret = std::getenv("BENCH_AWS_SECRET_ACCESS_KEY");
    a.key_id = key ? key : "";
    a.secret = secret ? secret : "";
    a.role_arn = flags["--role"];
    return sluice::bench::RunCase(a);
  }
  std::printf("allocator: %s\n", sluice::AllocatorName().c_str());
  return sluice::bench::Parent(argv[0], a);
}
