// sluice-gen: writes generated spans as JSON Lines, one insert-API event object per line, so
// they can be replayed into any sluice server or loaded by the benchmarks.
//
//   sluice-gen --spans 100000 --seed 7 --out spans.jsonl [--start-time 2026-01-01T00:00:00Z
//              --days 7]
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "bench/gen/span_generator.h"
#include "common/clock.h"
#include "common/time_util.h"

namespace sluice::bench {
namespace {

struct GenFlags {
  uint64_t spans = 0;
  uint64_t seed = 1;
  std::string out;
  std::string start_time = "2026-01-01T00:00:00Z";
  double days = 7;
  double error_fraction = 0.02;
  size_t mean_text_bytes = 1024;
};

int Run(const GenFlags& flags) {
  auto start = ParseRfc3339(flags.start_time);
  if (!start.ok()) {
    std::fprintf(stderr, "--start-time: %s\n", start.status().message().c_str());
    return 2;
  }
  SpanGeneratorOptions options;
  options.seed = flags.seed;
  options.start_time = *start;
  options.range_seconds = static_cast<int64_t>(flags.days * 86'400);
  options.span_count = flags.spans;
  options.error_fraction = flags.error_fraction;
  options.mean_text_bytes_per_span = flags.mean_text_bytes;
  if (options.range_seconds < 2) {
    std::fprintf(stderr, "--days: the time range must be at least 2 seconds\n");
    return 2;
  }
  const bool to_stdout = flags.out == "-";
  std::FILE* f = to_stdout ? stdout : std::fopen(flags.out.c_str(), "wb");
  if (f == nullptr) {
    std::perror(flags.out.c_str());
    return 1;
  }
  SpanGenerator gen(options);
  const int64_t t0 = RealClock().MonotonicMicros();
  std::string buf;
  uint64_t bytes = 0;
  bool write_ok = true;
  for (uint64_t i = 0; i < flags.spans && write_ok; ++i) {
    AppendInsertEventJson(gen.Next(), buf);
    buf.push_back('\n');
    if (buf.size() >= (1 << 20) || i + 1 == flags.spans) {
      write_ok = std::fwrite(buf.data(), 1, buf.size(), f) == buf.size();
      bytes += buf.size();
      buf.clear();
    }
  }
  write_ok = (to_stdout ? std::fflush(f) : std::fclose(f)) == 0 && write_ok;
  if (!write_ok) {
    std::perror(flags.out.c_str());
    return 1;
  }
  const double seconds = static_cast<double>(RealClock().MonotonicMicros() - t0) / 1e6;
  std::fprintf(stderr,
               "sluice-gen: %llu spans in %llu traces, %.1f MB (%.0f B/span) in %.2f s: "
               "%.0f spans/s, %.1f MB/s\n",
               static_cast<unsigned long long>(gen.spans_generated()),
               static_cast<unsigned long long>(gen.traces_generated()), bytes / 1e6,
               flags.spans ? static_cast<double>(bytes) / flags.spans : 0.0, seconds,
               seconds > 0 ? flags.spans / seconds : 0.0,
               seconds > 0 ? bytes / 1e6 / seconds : 0.0);
  return 0;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
  sluice::bench::GenFlags flags;
  CLI::App app{"Writes deterministic, realistic spans as JSON Lines of insert-API events."};
  app.add_option("--spans", flags.spans, "Number of spans")->required();
  app.add_option("--seed", flags.seed, "Seed; the same seed gives the same bytes");
  app.add_option("--out", flags.out, "Output file, or - for stdout")->required();
  app.add_option("--start-time", flags.start_time, "Start of the created range (RFC 3339)");
  app.add_option("--days", flags.days, "Length of the created range in days")
      ->check(CLI::PositiveNumber);
  app.add_option("--error-fraction", flags.error_fraction, "Fraction of spans with an error")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--mean-text-bytes", flags.mean_text_bytes,
                 "Mean bytes of input + output per span")
      ->check(CLI::Range(200, 16384));
  CLI11_PARSE(app, argc, argv);
  return sluice::bench::Run(flags);
}
