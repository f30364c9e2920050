// SpanGenerator: a seeded, deterministic source of realistic LLM-application spans for
// benchmarks and load tests. Spans come in traces (a root plus children linked by span_parents
// and root_span_id), with Braintrust-shaped fields, and can be written as model::Event rows or
// as events of the insert API (`POST /v1/project_logs/{id}/insert`). Same seed, same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <vector>

#include "bench/gen/random.h"
#include "common/clock.h"
#include "model/event.h"

namespace sluice::bench {

// 2026-01-01T00:00:00Z.
inline constexpr TimestampMicros kDefaultStartTime = 1'767'225'600'000'000LL;
inline constexpr int kMaxSpansPerTrace = 20;

struct SpanGeneratorOptions {
  uint64_t seed = 1;
  // Every span's `created` falls in [start_time, start_time + range_seconds).
  TimestampMicros start_time = kDefaultStartTime;
  int64_t range_seconds = 7 * 86'400;  // REQUIRES: >= 2
  // The number of spans that will be drawn. When > 0, traces start in time order across the
  // range, as a live ingest produces them; when 0, each trace starts at a uniformly random time.
  uint64_t span_count = 0;
  // Mean serialized bytes of input + output per span. Each value is 100 B to 8 KB, log-normal.
  size_t mean_text_bytes_per_span = 1024;
  // Fraction of spans that carry an error (and no output).
  double error_fraction = 0.02;
  // Copied into each Event; the object is project_logs of project_id.
  std::string org_id;
  std::string project_id;
};

// Not thread-safe; use one generator per thread (with different seeds).
class SpanGenerator {
 public:
  explicit SpanGenerator(SpanGeneratorOptions options);

  // The next span. Spans come trace by trace: the root first, every parent before its
  // children. JSON fields hold canonical compact JSON text (empty = null), exactly as sluice
  // would store the event that AppendInsertEventJson writes for it; xact_id and row_key are 0.
  model::Event Next();

  uint64_t spans_generated() const { return spans_generated_; }
  uint64_t traces_generated() const { return traces_generated_; }

 private:
  struct TraceInfo;
  struct SpanPlan;

  void GenerateTrace();
  TraceInfo MakeTraceInfo();
  TimestampMicros TraceStart(int spans, int64_t max_duration_micros);
  model::Event MakeSpan(const TraceInfo& trace, const SpanPlan& plan);
  std::string MakeMetrics(const TraceInfo& trace, const SpanPlan& plan, size_t input_bytes,
                          size_t output_bytes);
  std::string MakeMetadata(const TraceInfo& trace);
  std::string MakeScores(const SpanPlan& plan, std::string_view name);
  std::vector<std::string> MakeTags();
  size_t DrawTextBytes(double mean);

  SpanGeneratorOptions options_;
  Rng rng_;
  std::deque<model::Event> pending_;  // the rest of the current trace
  uint64_t spans_generated_ = 0;
  uint64_t spans_planned_ = 0;  // spans of all traces started so far
  uint64_t traces_generated_ = 0;
};

// Appends `e` as one event object of an insert request: id, span_id, root_span_id,
// span_parents (children only), created (RFC 3339), then input, output, expected, error,
// scores, metrics, metadata, tags, span_attributes, context and origin when present.
void AppendInsertEventJson(const model::Event& e, std::string& out);

// The body of an insert request, `{"events":[...]}`, holding `events`.
std::string InsertRequestBody(std::span<const model::Event> events);

}  // namespace sluice::bench
