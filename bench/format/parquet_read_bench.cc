// Reads a Parquet file of generated spans (bench/gen, seed 42) that sluice's writer produced
// (Parquet + ZSTD, the export default) with sluice's reader, and in the same run has DuckDB
// read the same file as the peer (bench/format/duckdb_read.mjs, 1 and 2 threads): the `input`
// column alone (count and summed bytes) and a full scan (an aggregate over every column).
// Prints wall and CPU time, rows/s, MB/s of file and peak RSS per case, and the ratios.
// Usage: parquet_read_bench [rows] [out_dir]   (the file is written once, then reused)
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/format/duckdb_peer.h"
#include "bench/format/measure.h"
#include "bench/gen/span_generator.h"
#include "common/json.h"
#include "format/output_sink.h"
#include "format/parquet/parquet_reader.h"
#include "format/parquet/parquet_writer.h"
#include "format/readable_file.h"
#include "format/schemas.h"

namespace sluice {
namespace {

struct Outcome {
  double seconds = 0;
  double cpu_seconds = 0;
  int64_t peak_rss_bytes = -1;  // -1: unknown
  int64_t rows = 0;
  int64_t input_bytes = 0;  // summed bytes of the input column, to compare with DuckDB's
};

// Writes `rows` generated spans to `path` in batches, unless an earlier run left that file.
bool EnsureFile(const std::string& path, int64_t rows) {
  if (auto f = format::OpenLocalFile(path); f.ok()) {
    auto reader = format::ParquetFileReader::Open(std::move(*f), path);
    if (reader.ok() && (*reader)->num_rows() == rows) return true;
  }
  bench::SpanGeneratorOptions options;
  options.seed = 42;
  options.span_count = static_cast<uint64_t>(rows);
  options.org_id = "8b9e5f4c-0d6a-4c43-9e7a-1f1d7a7e3b11";
  options.project_id = "3f1c7c3e-5a0b-4f5e-8d3a-2b6c9e0d1a22";
  bench::SpanGenerator gen(options);
  auto sink = format::OpenFileSink(path);
  if (!sink.ok()) return false;
  format::ParquetWriter writer(format::ParquetWriterOptions(), **sink);
  Status s = writer.Begin(format::SpanSchema());
  std::vector<model::Event> batch;
  for (int64_t k = 0; s.ok() && k < rows; ++k) {
    batch.push_back(gen.Next());
    batch.back().xact_id = 1'000'000 + static_cast<uint64_t>(k / 100);
    batch.back().row_key = k + 1;
    if (batch.size() == 10'000 || k + 1 == rows) {
      s = writer.WriteEvents(batch);
      batch.clear();
    }
  }
  if (s.ok()) s = writer.Finish();
  if (!s.ok()) std::fprintf(stderr, "write failed: %s\n", s.ToString().c_str());
  return s.ok();
}

// Touches every value as the DuckDB full scan does, so neither side can skip decoding.
void Consume(const format::Row& row, int input, Outcome* o, int64_t* checksum) {
  for (size_t k = 0; k < row.size(); ++k) {
    const format::Value& v = row[k];
    *checksum += static_cast<int64_t>(v.s.size() + v.list.size()) + v.i + (v.b ? 1 : 0);
    if (static_cast<int>(k) == input && !v.is_null()) {
      o->input_bytes += static_cast<int64_t>(v.s.size());
    }
  }
}

Outcome ReadWithSluice(const std::string& path, const std::vector<std::string>& columns) {
  sync();
  Outcome o;
  const int64_t rss_before = bench::ResetPeakRss();
  const double cpu = bench::CpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  auto file = format::OpenLocalFile(path);
  auto reader = file.ok() ? format::ParquetFileReader::Open(std::move(*file), path)
                          : Result<std::unique_ptr<format::ParquetFileReader>>(file.status());
  format::RowReadOptions options;
  options.columns = columns;
  auto rows = reader.ok() ? (*reader)->ReadRows(options)
                          : Result<std::unique_ptr<format::ParquetRowReader>>(reader.status());
  if (!rows.ok()) {
    std::fprintf(stderr, "read failed: %s\n", rows.status().ToString().c_str());
    return o;
  }
  const int input = (*rows)->schema().Find("input");
  format::Row row;
  int64_t checksum = 0;
  Result<bool> next = true;
  while ((next = (*rows)->Next(&row)).ok() && *next) {
    Consume(row, input, &o, &checksum);
    ++o.rows;
  }
  if (!next.ok()) std::fprintf(stderr, "read failed: %s\n", next.status().ToString().c_str());
  o.seconds = bench::Seconds(start);
  o.cpu_seconds = bench::CpuSeconds() - cpu;
  if (rss_before >= 0) o.peak_rss_bytes = (bench::StatusKb("VmHWM") - rss_before) * 1024;
  if (checksum == 42) std::printf(" ");  // keeps the scan from being optimized away
  return o;
}

Outcome ParseOutcome(const Json* m, const Json& all) {
  const bench::StepFigures step = bench::ReadStepFigures(m);
  auto count = [&all](const char* key) {
    const Json* v = all.Find(key);
    return v != nullptr ? static_cast<int64_t>(v->number_value()) : int64_t{0};
  };
  Outcome o;
  o.seconds = step.seconds;
  o.cpu_seconds = step.cpu_seconds;
  o.peak_rss_bytes = step.peak_rss_bytes;
  o.rows = count("rows");
  o.input_bytes = count("input_bytes");
  return o;
}

// DuckDB's {input, full} outcomes with `threads` threads; zeros if it failed.
std::pair<Outcome, Outcome> RunDuckDb(const std::string& path, int threads) {
  std::string cmd = std::string("node ") + SLUICE_SOURCE_DIR + "/bench/format/duckdb_read.mjs " +
                    path + " " + std::to_string(threads) + " '" + bench::DuckTypes() + "'";
  auto json = bench::DuckDbAnswer(cmd, "full");
  if (!json.ok()) {
    std::fprintf(stderr, "duckdb failed: %s\n", json.status().ToString().c_str());
    return {};
  }
  return {ParseOutcome(json->Find("input"), *json), ParseOutcome(json->Find("full"), *json)};
}

void Report(const std::string& name, const Outcome& o, int64_t file_bytes) {
  std::printf("%-26s %7.2f s %7.2f cpu-s %10.0f rows/s %7.1f MB/s", name.c_str(), o.seconds,
              o.cpu_seconds, o.rows / o.seconds, file_bytes / 1e6 / o.seconds);
  if (o.peak_rss_bytes >= 0) std::printf(" %8.1f MB peak", o.peak_rss_bytes / 1e6);
  std::printf("   input %lld B\n", static_cast<long long>(o.input_bytes));
}

int Main(int argc, char** argv) {
  const int64_t rows = argc > 1 ? std::stoll(argv[1]) : 1'000'000;
  const std::string dir = argc > 2 ? argv[2] : std::string(SLUICE_SOURCE_DIR) + "/bench/out/format";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/spans_read_zstd.parquet";
  if (!EnsureFile(path, rows)) return 1;
  const auto bytes = static_cast<int64_t>(std::filesystem::file_size(path));
  std::printf("%lld spans (bench/gen, seed 42) in %s, %.1f MB, written by sluice (ZSTD)\n",
              static_cast<long long>(rows), path.c_str(), bytes / 1e6);
  const Outcome input = ReadWithSluice(path, {"input"});
  Report("sluice input column", input, bytes);
  const Outcome full = ReadWithSluice(path, {});
  Report("sluice every column", full, bytes);
  for (int threads : {1, 2}) {
    const std::string t = std::to_string(threads);
    auto [duck_input, duck_full] = RunDuckDb(path, threads);
    Report("duckdb input column, " + t + "t", duck_input, bytes);
    Report("duckdb every column, " + t + "t", duck_full, bytes);
    if (duck_full.seconds <= 0 || full.seconds <= 0) continue;
    std::printf("  duckdb %st / sluice: input cpu %.2f, every column cpu %.2f, wall %.2f%s\n",
                t.c_str(), duck_input.cpu_seconds / input.cpu_seconds,
                duck_full.cpu_seconds / full.cpu_seconds, duck_full.seconds / full.seconds,
                duck_input.input_bytes == input.input_bytes ? "" : "  (input bytes differ!)");
  }
  return 0;
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) { return sluice::Main(argc, argv); }
