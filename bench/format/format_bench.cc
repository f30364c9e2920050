// Writes the same generated spans (bench/gen), held in memory, as JSON Lines, JSON Lines + zstd,
// Parquet + zstd and Parquet + snappy, and runs DuckDB in the same run as the peer: converting
// the JSON Lines file to Parquet + zstd, and writing the same rows from an in-memory table, with
// 1 and 2 threads. Prints wall and CPU time, rows/s, MB/s, file size and peak RSS per case.
// Usage: format_bench [rows] [out_dir] [case...]
//   cases: jsonl jsonl+zstd parquet+zstd parquet+snappy duckdb (default: all, in that order;
//   duckdb reads the JSON Lines file the jsonl case writes).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bench/format/duckdb_peer.h"
#include "bench/format/measure.h"
#include "bench/gen/span_generator.h"
#include "common/json.h"
#include "format/jsonl/jsonl_writer.h"
#include "format/parquet/parquet_writer.h"
#include "format/schemas.h"

namespace sluice {
namespace {

using Outcome = bench::StepFigures;

using bench::CpuSeconds;
using bench::ResetPeakRss;
using bench::StatusKb;

Outcome WriteWith(format::RowWriter& writer, const std::vector<model::Event>& spans) {
  // Earlier cases' files still being written back would slow this one down.
  sync();
  int64_t rss_before = ResetPeakRss();
  double cpu = CpuSeconds();
  auto start = std::chrono::steady_clock::now();
  Status s = writer.Begin(format::SpanSchema());
  if (s.ok()) s = writer.WriteEvents(spans);
  if (s.ok()) s = writer.Finish();
  auto end = std::chrono::steady_clock::now();
  if (!s.ok()) std::fprintf(stderr, "write failed: %s\n", s.ToString().c_str());
  Outcome o;
  o.seconds = std::chrono::duration<double>(end - start).count();
  o.cpu_seconds = CpuSeconds() - cpu;
  o.bytes = writer.stats().bytes;
  if (rss_before >= 0) o.peak_rss_bytes = (StatusKb("VmHWM") - rss_before) * 1024;
  return o;
}

// DuckDB's {convert, write} outcomes with `threads` threads; zeros if it failed.
std::pair<Outcome, Outcome> RunDuckDb(const std::string& jsonl, const std::string& prefix,
                                      int threads) {
  std::string cmd = std::string("node ") + SLUICE_SOURCE_DIR + "/bench/format/duckdb_convert.mjs " +
                    jsonl + " " + prefix + " " + std::to_string(threads) + " '" +
                    bench::DuckTypes() + "'";
  sync();
  auto json = bench::DuckDbAnswer(cmd, "convert");
  if (!json.ok()) {
    std::fprintf(stderr, "duckdb failed: %s\n", json.status().ToString().c_str());
    return {};
  }
  return {bench::ReadStepFigures(json->Find("convert")),
          bench::ReadStepFigures(json->Find("write"))};
}

void Report(const std::string& name, const Outcome& o, int64_t rows, int64_t logical_bytes) {
  std::printf("%-22s %7.2f s %7.2f cpu-s %9.0f rows/s", name.c_str(), o.seconds, o.cpu_seconds,
              rows / o.seconds);
  if (logical_bytes > 0) std::printf(" %7.1f MB/s", logical_bytes / 1e6 / o.seconds);
  std::printf(" %8.1f MB", o.bytes / 1e6);
  if (o.peak_rss_bytes >= 0) std::printf(" %7.1f MB peak", o.peak_rss_bytes / 1e6);
  std::printf("\n");
}

std::vector<model::Event> Generate(int64_t rows) {
  bench::SpanGeneratorOptions options;
  options.seed = 42;
  options.span_count = static_cast<uint64_t>(rows);
  options.org_id = "8b9e5f4c-0d6a-4c43-9e7a-1f1d7a7e3b11";
  options.project_id = "3f1c7c3e-5a0b-4f5e-8d3a-2b6c9e0d1a22";
  bench::SpanGenerator gen(options);
  std::vector<model::Event> spans;
  spans.reserve(static_cast<size_t>(rows));
  for (int64_t k = 0; k < rows; ++k) {
    spans.push_back(gen.Next());
    spans.back().xact_id = 1'000'000 + static_cast<uint64_t>(k / 100);  // inserts of 100
    spans.back().row_key = k + 1;
  }
  return spans;
}

struct Case {
  const char* name;
  const char* file;
  bool parquet;
  format::Compression compression;
};

constexpr Case kCases[] = {
    {"jsonl", "spans.jsonl", false, format::Compression::kNone},
    {"jsonl+zstd", "spans.jsonl.zst", false, format::Compression::kZstd},
    {"parquet+zstd", "spans_zstd.parquet", true, format::Compression::kZstd},
    {"parquet+snappy", "spans_snappy.parquet", true, format::Compression::kSnappy},
};

Outcome RunCase(const Case& c, const std::string& dir, const std::vector<model::Event>& spans) {
  auto sink = format::OpenFileSink(dir + "/" + c.file);
  if (!sink.ok()) {
    std::fprintf(stderr, "%s\n", sink.status().ToString().c_str());
    return {};
  }
  if (c.parquet) {
    format::ParquetWriterOptions options;
    options.compression = c.compression;
    format::ParquetWriter w(options, **sink);
    return WriteWith(w, spans);
  }
  format::JsonlWriterOptions options;
  options.compression = c.compression;
  format::JsonlWriter w(options, **sink);
  return WriteWith(w, spans);
}

void RunDuckDbCases(const std::string& dir, int64_t rows, int64_t logical,
                    const Outcome& parquet_zstd) {
  for (int threads : {1, 2}) {
    std::string t = "t";
    t += std::to_string(threads);
    std::string prefix = dir + "/duckdb_";
    prefix += t;
    auto [convert, write] = RunDuckDb(dir + "/spans.jsonl", prefix, threads);
    Report("duckdb convert " + t, convert, rows, logical);
    Report("duckdb write " + t, write, rows, logical);
    if (parquet_zstd.seconds <= 0 || write.seconds <= 0) continue;
    std::printf(
        "  duckdb %s / sluice parquet+zstd: convert cpu %.2f, write cpu %.2f, "
        "write wall %.2f, size %.3f\n",
        t.c_str(), convert.cpu_seconds / parquet_zstd.cpu_seconds,
        write.cpu_seconds / parquet_zstd.cpu_seconds, write.seconds / parquet_zstd.seconds,
        static_cast<double>(write.bytes) / static_cast<double>(parquet_zstd.bytes));
  }
}

int Main(int argc, char** argv) {
  int64_t rows = argc > 1 ? std::stoll(argv[1]) : 1'000'000;
  std::string dir = argc > 2 ? argv[2] : std::string(SLUICE_SOURCE_DIR) + "/bench/out/format";
  std::vector<std::string> wanted(argv + std::min(argc, 3), argv + argc);
  auto selected = [&](const std::string& name) {
    return wanted.empty() || std::find(wanted.begin(), wanted.end(), name) != wanted.end();
  };
  std::filesystem::create_directories(dir);
  std::vector<model::Event> spans = Generate(rows);
  std::printf(
      "%lld spans (bench/gen, seed 42), %.0f MB resident; MB/s counts the JSON Lines "
      "size; peak: RSS added while writing\n",
      static_cast<long long>(rows), StatusKb("VmRSS") / 1024.0);
  // MB/s counts the JSON Lines size: from this run, else from an earlier run's file.
  std::error_code ec;
  int64_t logical = static_cast<int64_t>(std::filesystem::file_size(dir + "/spans.jsonl", ec));
  if (ec) logical = 0;
  Outcome parquet_zstd;
  for (const Case& c : kCases) {
    if (!selected(c.name)) continue;
    Outcome o = RunCase(c, dir, spans);
    if (!c.parquet && c.compression == format::Compression::kNone) logical = o.bytes;
    if (c.parquet && c.compression == format::Compression::kZstd) parquet_zstd = o;
    Report(c.name, o, rows, logical);
  }
  if (selected("duckdb")) RunDuckDbCases(dir, rows, logical, parquet_zstd);
  return 0;
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) { return sluice::Main(argc, argv); }
