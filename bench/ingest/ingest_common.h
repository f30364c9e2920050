// Shared pieces of the ingest benchmark: generated insert-request batches, the figures a run
// produces, and reading a process's memory high-water mark from /proc.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::bench {

// One insert request's body (`{"events":[...]}`) and the number of spans in it.
struct Batch {
  std::string body;
  uint64_t spans = 0;
};

// How generated requests look.
struct BatchShape {
  // Mean bytes of input + output per span (the generator's mean_text_bytes_per_span).
  size_t text_bytes = 1024;
  // Empty: insert API bodies (`{"events":[...]}`). Otherwise the Braintrust SDKs' `/logs3`
  // bodies (`{"rows":[...],"api_version":2}`), each row naming this project's logs.
  std::string logs3_project_id;
  // OTLP/HTTP protobuf requests of the same spans instead (otlp_batches.h).
  bool otlp = false;
  // Insert API bodies whose events are the rows the OTLP mapping stores for the same spans
  // (the OTLP request carries attributes the generator's rows do not: the resource, the GenAI
  // operation, system and parameters), so that both paths store the same bytes.
  bool otlp_rows = false;
};

// `spans` generated spans in batches of `batch_size` (the last may be smaller), created over the
// 7 days before 2026-01-01.
std::vector<Batch> GenerateBatches(uint64_t spans, uint64_t batch_size, uint64_t seed,
                                   const BatchShape& shape = {});

// What one measured run did.
struct IngestFigures {
  uint64_t spans = 0;                // spans accepted
  uint64_t bytes = 0;                // request bytes accepted
  double seconds = 0;                // wall time of the measured phase
  std::vector<double> batch_millis;  // latency of each batch
  uint64_t failed_batches = 0;
  std::string first_error;  // empty when none failed
};

// Prints one line: spans/s, MB/s and batch latency percentiles, labelled.
void PrintFigures(const std::string& label, IngestFigures figures);

// User + system CPU seconds a process has used so far (/proc/<pid>/stat); pid 0 is this
// process; -1 when unreadable. On a shared machine CPU time per span is steadier than wall time.
double ProcCpuSeconds(int64_t pid);

// A process's CPU seconds so far, all of it and the system (kernel) part: system calls and page
// faults on its behalf, such as copying written pages into the page cache. Both from one read
// of /proc/<pid>/stat (pid 0: this process); -1 each when unreadable.
struct CpuTimes {
  double total = -1;
  double system = -1;
};
CpuTimes ProcCpuTimes(int64_t pid);

// CPU seconds of a process and all its children, live (user + system) and reaped (the
// children's times it has collected): a PostgreSQL server's postmaster and its backends. -1
// when unreadable.
double ProcTreeCpuSeconds(int64_t pid);

}  // namespace sluice::bench
