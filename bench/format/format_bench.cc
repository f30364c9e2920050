// Writes the same generated spans as JSON Lines, JSON Lines + zstd, Parquet + zstd and
// Parquet + snappy, and compares with DuckDB converting the JSON Lines file to Parquet + zstd
// (1 and 2 threads) in the same run. Usage: format_bench [rows] [out_dir]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "common/json.h"
#include "format/jsonl/jsonl_writer.h"
#include "format/parquet/parquet_writer.h"
#include "format/schemas.h"
#include "span_generator.h"

namespace sluice {
namespace {

struct Outcome {
  double seconds = 0;
  int64_t bytes = 0;
};

Outcome WriteWith(format::RowWriter& writer, const std::vector<model::Event>& spans) {
  auto start = std::chrono::steady_clock::now();
  Status s = writer.Begin(format::SpanSchema());
  if (s.ok()) s = writer.WriteEvents(spans);
  if (s.ok()) s = writer.Finish();
  auto end = std::chrono::steady_clock::now();
  if (!s.ok()) std::fprintf(stderr, "write failed: %s\n", s.ToString().c_str());
  return {std::chrono::duration<double>(end - start).count(), writer.stats().bytes};
}

std::string DuckTypes() {
  const char* names[] = {"", "BOOLEAN", "BIGINT", "DOUBLE", "VARCHAR", "TIMESTAMPTZ", "JSON",
                         "VARCHAR[]"};
  std::string out = "{";
  for (const format::Column& c : format::SpanSchema().columns) {
    if (out.size() > 1) out += ',';
    out += "\"" + c.name + "\":\"" + names[static_cast<int>(c.type)] + "\"";
  }
  return out + "}";
}

Outcome RunDuckDb(const std::string& jsonl, const std::string& out, int threads) {
  std::string cmd = std::string("node ") + SLUICE_SOURCE_DIR + "/bench/format/duckdb_convert.mjs " +
                    jsonl + " " + out + " " + std::to_string(threads) + " '" + DuckTypes() + "'";
  FILE* p = popen(cmd.c_str(), "r");
  std::string text;
  char buf[512];
  size_t n;
  while (p != nullptr && (n = fread(buf, 1, sizeof(buf), p)) > 0) text.append(buf, n);
  if (p != nullptr) pclose(p);
  auto json = Json::Parse(text);
  if (!json.ok() || json->Find("seconds") == nullptr) {
    std::fprintf(stderr, "duckdb failed: %s\n", text.c_str());
    return {};
  }
  return {json->Find("seconds")->number_value(),
          static_cast<int64_t>(json->Find("bytes")->number_value())};
}

void Report(const char* name, const Outcome& o, int64_t rows, int64_t logical_bytes) {
  std::printf("%-24s %8.2f s %10.0f rows/s %8.1f MB/s %10.1f MB\n", name, o.seconds,
              rows / o.seconds, logical_bytes / 1e6 / o.seconds, o.bytes / 1e6);
}

int Main(int argc, char** argv) {
  int64_t rows = argc > 1 ? std::stoll(argv[1]) : 1'000'000;
  std::string dir = argc > 2 ? argv[2] : std::string(SLUICE_SOURCE_DIR) + "/bench/out/format";
  std::filesystem::create_directories(dir);
  std::vector<model::Event> spans = bench::GenerateSpans(rows, 42);

  struct Case {
    const char* name;
    const char* file;
    bool parquet;
    format::Compression compression;
  };
  const Case cases[] = {
      {"jsonl", "spans.jsonl", false, format::Compression::kNone},
      {"jsonl+zstd", "spans.jsonl.zst", false, format::Compression::kZstd},
      {"parquet+zstd", "spans_zstd.parquet", true, format::Compression::kZstd},
      {"parquet+snappy", "spans_snappy.parquet", true, format::Compression::kSnappy},
  };
  int64_t logical = 0;
  Outcome parquet_zstd;
  std::printf("%lld spans; MB/s counts the plain JSON Lines size\n", static_cast<long long>(rows));
  for (const Case& c : cases) {
    auto sink = format::OpenFileSink(dir + "/" + c.file);
    if (!sink.ok()) return 1;
    Outcome o;
    if (c.parquet) {
      format::ParquetWriterOptions options;
      options.compression = c.compression;
      format::ParquetWriter w(options, **sink);
      o = WriteWith(w, spans);
      if (c.compression == format::Compression::kZstd) parquet_zstd = o;
    } else {
      format::JsonlWriterOptions options;
      options.compression = c.compression;
      format::JsonlWriter w(options, **sink);
      o = WriteWith(w, spans);
    }
    if (logical == 0) logical = o.bytes;
    Report(c.name, o, rows, logical);
  }
  for (int threads : {1, 2}) {
    Outcome d = RunDuckDb(dir + "/spans.jsonl", dir + "/duckdb.parquet", threads);
    std::string name = "duckdb jsonl->parquet t" + std::to_string(threads);
    Report(name.c_str(), d, rows, logical);
    std::printf("  ratio duckdb(t%d) / sluice parquet+zstd time: %.2f\n", threads,
                d.seconds / parquet_zstd.seconds);
  }
  return 0;
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) { return sluice::Main(argc, argv); }
