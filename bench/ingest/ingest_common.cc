#include "bench/ingest/ingest_common.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <span>
#include <sstream>
#include <utility>

#include "bench/gen/span_generator.h"
#include "bench/ingest/otlp_batches.h"

namespace sluice::bench {

namespace {

// The rows of a /logs3 request as the SDKs send a finished span: the event's fields, the
// project's logs as its object and `_is_merge: false`.
std::string Logs3RequestBody(std::span<const model::Event> events, const std::string& project_id) {
  std::string out = R"({"rows":[)";
  const std::string object =
      R"(,"project_id":")" + project_id + R"(","log_id":"g","_is_merge":false})";
  for (size_t i = 0; i < events.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendInsertEventJson(events[i], out);
    out.pop_back();  // the closing brace
    out += object;
  }
  out += R"(],"api_version":2})";
  return out;
}

}  // namespace

std::vector<Batch> GenerateBatches(uint64_t spans, uint64_t batch_size, uint64_t seed,
                                   const BatchShape& shape) {
  SpanGeneratorOptions options;
  options.seed = seed;
  options.mean_text_bytes_per_span = shape.text_bytes;
  options.start_time = kDefaultStartTime - 7 * 86'400 * 1'000'000LL;
  options.range_seconds = 7 * 86'400;
  options.span_count = spans;
  SpanGenerator gen(options);
  std::vector<Batch> batches;
  std::vector<model::Event> batch;
  for (uint64_t done = 0; done < spans; done += batch.size()) {
    batch.clear();
    const uint64_t n = std::min(batch_size, spans - done);
    for (uint64_t i = 0; i < n; ++i) batch.push_back(gen.Next());
    if (shape.otlp) {
      batches.push_back({OtlpRequestBody(batch), n});
      continue;
    }
    if (shape.otlp_rows) {
      batches.push_back({InsertBodyOfOtlpRows(OtlpRequestBody(batch)), n});
      continue;
    }
    batches.push_back({shape.logs3_project_id.empty()
                           ? InsertRequestBody(batch)
                           : Logs3RequestBody(batch, shape.logs3_project_id),
                       n});
  }
  return batches;
}

namespace {

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[i];
}

// Mean latency of the first and last tenth of the batches, in the order they were sent: shows
// whether ingest slows down as the store grows.
std::pair<double, double> FirstAndLastTenth(const std::vector<double>& millis) {
  const size_t n = std::max<size_t>(1, millis.size() / 10);
  if (millis.size() < n) return {0, 0};
  double first = 0, last = 0;
  for (size_t i = 0; i < n; ++i) {
    first += millis[i];
    last += millis[millis.size() - 1 - i];
  }
  return {first / static_cast<double>(n), last / static_cast<double>(n)};
}

}  // namespace

void PrintFigures(const std::string& label, IngestFigures f) {
  const auto [first, last] = FirstAndLastTenth(f.batch_millis);
  std::sort(f.batch_millis.begin(), f.batch_millis.end());
  const double s = f.seconds > 0 ? f.seconds : 1e-9;
  std::printf(
      "%-14s %9llu spans %8.1f MB %7.2f s  %9.0f spans/s %7.1f MB/s  batch ms p50 %.1f p95 "
      "%.1f max %.1f, first/last tenth %.1f/%.1f\n",
      label.c_str(), static_cast<unsigned long long>(f.spans), f.bytes / 1e6, f.seconds,
      f.spans / s, f.bytes / 1e6 / s, Percentile(f.batch_millis, 0.5),
      Percentile(f.batch_millis, 0.95), Percentile(f.batch_millis, 1.0), first, last);
  if (f.failed_batches > 0) {
    std::printf("%-14s %llu batches failed; first: %s\n", label.c_str(),
                static_cast<unsigned long long>(f.failed_batches), f.first_error.c_str());
  }
}

namespace {

// Fields 3.. of /proc/<pid>/stat (pid 0: this process); empty when unreadable.
std::vector<std::string> StatFields(int64_t pid) {
  std::ifstream in(pid > 0 ? "/proc/" + std::to_string(pid) + "/stat" : "/proc/self/stat");
  std::string stat;
  std::getline(in, stat);
  // The command name (field 2) may hold spaces; fields are counted after its closing ')'.
  const size_t close = stat.rfind(')');
  std::vector<std::string> out;
  if (close == std::string::npos || close + 2 > stat.size()) return out;
  std::istringstream fields(stat.substr(close + 2));
  for (std::string field; fields >> field;) out.push_back(field);
  return out;
}

// Sum of the stat fields numbered from..to (field 3 is the first of StatFields), in seconds.
double StatSeconds(const std::vector<std::string>& f, size_t from, size_t to) {
  double ticks = 0;
  for (size_t i = from; i <= to && i - 3 < f.size(); ++i) {
    ticks += std::strtod(f[i - 3].c_str(), nullptr);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

double ProcCpuSeconds(int64_t pid) { return ProcCpuTimes(pid).total; }

CpuTimes ProcCpuTimes(int64_t pid) {
  const std::vector<std::string> f = StatFields(pid);
  if (f.size() < 13) return {};
  return {StatSeconds(f, 14, 15), StatSeconds(f, 15, 15)};  // utime + stime, stime
}

double ProcTreeCpuSeconds(int64_t pid) {
  const std::vector<std::string> own = StatFields(pid);
  if (own.size() < 15) return -1;
  double total = StatSeconds(own, 14, 17);  // utime, stime, cutime, cstime
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::vector<std::string> f = StatFields(std::strtoll(name.c_str(), nullptr, 10));
    if (f.size() >= 13 && std::strtoll(f[1].c_str(), nullptr, 10) == pid) {
      total += StatSeconds(f, 14, 15);
    }
  }
  return total;
}

}  // namespace sluice::bench
