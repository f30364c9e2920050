// query_bench: rows/s of the query engine over N generated spans held in memory, reading
// through an in-memory EventSource that honours the created range and the scan limit the way a
// store's index would. Compares a `created` range the source answers (pushdown) with a
// `metadata` filter the engine evaluates on every span. Prints figures; never fails.
//
//   query_bench [spans]   (default 1000000)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/format/measure.h"
#include "bench/gen/span_generator.h"
#include "common/time_util.h"
#include "model/scan.h"
#include "query/query.h"

namespace sluice::bench {
namespace {

// Rows in (_xact_id, row_key) order; a scan skips rows outside the created range and the
// object, as an index would, and copies the rest into the caller's row.
class MemorySource : public model::EventSource {
 public:
  explicit MemorySource(const std::vector<model::Event>& rows) : rows_(rows) {}

  Result<std::unique_ptr<model::EventStream>> Scan(const model::ScanRequest& r) override {
    return std::unique_ptr<model::EventStream>(std::make_unique<Stream>(rows_, r));
  }

 private:
  class Stream : public model::EventStream {
   public:
    Stream(const std::vector<model::Event>& rows, model::ScanRequest r) : rows_(rows), r_(r) {}
    Result<bool> Next(model::Event* row) override {
      while (next_ < rows_.size()) {
        const model::Event& e = rows_[next_++];
        if (r_.created_min && e.created < *r_.created_min) continue;
        if (r_.created_max && e.created >= *r_.created_max) continue;
        if (r_.after && model::XactCursor{e.xact_id, e.row_key} <= *r_.after) continue;
        if (r_.limit > 0 && returned_ >= r_.limit) return false;
        ++returned_;
        *row = e;
        return true;
      }
      return false;
    }

   private:
    const std::vector<model::Event>& rows_;
    model::ScanRequest r_;
    size_t next_ = 0;
    int64_t returned_ = 0;
  };

  const std::vector<model::Event>& rows_;
};

class CountingSink : public query::RowSink {
 public:
  Status OnRow(std::string_view json) override {
    ++rows;
    bytes += json.size();
    return Status::Ok();
  }
  int64_t rows = 0;
  int64_t bytes = 0;
};

struct Figures {
  double seconds = 0;
  int64_t rows = 0;
  int64_t scanned = 0;
};

// Best of three runs.
Figures Measure(MemorySource& source, const std::string& query) {
  Figures best;
  for (int run = 0; run < 3; ++run) {
    query::QueryContext ctx;
    ctx.default_limit = 10'000'000;
    CountingSink sink;
    auto start = std::chrono::steady_clock::now();
    auto r = query::RunQuery(query, ctx, source, sink);
    double s = Seconds(start);
    if (!r.ok()) {
      std::printf("query failed: %s\n", r.status().ToString().c_str());
      std::exit(0);
    }
    if (run == 0 || s < best.seconds) best = Figures{s, sink.rows, r->spans_scanned};
  }
  return best;
}

void Report(const char* label, const Figures& f, size_t total) {
  std::printf(
      "%-34s %8lld rows out, %8lld spans read, %7.3f s: %10.0f rows/s out, "
      "%10.0f spans/s read, %10.0f spans/s of the data set\n",
      label, static_cast<long long>(f.rows), static_cast<long long>(f.scanned), f.seconds,
      static_cast<double>(f.rows) / f.seconds, static_cast<double>(f.scanned) / f.seconds,
      static_cast<double>(total) / f.seconds);
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
  using namespace sluice;
  size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  bench::SpanGeneratorOptions options;
  options.seed = 7;
  options.span_count = n;
  options.mean_text_bytes_per_span = 200;
  options.org_id = "org";
  options.project_id = "proj";
  bench::SpanGenerator gen(options);
  auto start = std::chrono::steady_clock::now();
  std::vector<model::Event> rows;
  rows.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    rows.push_back(gen.Next());
    rows.back().xact_id = 1000 + i / 100;  // 100 spans per write transaction
    rows.back().row_key = static_cast<int64_t>(i + 1);
  }
  std::printf("query_bench: %zu spans generated in %.1f s\n", n, bench::Seconds(start));
  bench::MemorySource source(rows);

  // One day of the generator's seven: about the share of spans the metadata filter keeps.
  std::string day_start = FormatRfc3339(options.start_time + 3 * 86'400'000'000LL);
  std::string day_end = FormatRfc3339(options.start_time + 4 * 86'400'000'000LL);
  const std::string from = "from: project_logs('proj') | ";
  const std::string pushed = from + "select: id, created | filter: created >= '" + day_start +
                             "' and created < '" + day_end + "'";
  const std::string evaluated =
      from + "select: id, created | filter: metadata.environment = 'staging'";
  const std::string both = from +
                           "select: * | filter: metadata.environment = 'staging' and "
                           "metrics.tokens > 100";
  bench::Figures a = bench::Measure(source, pushed);
  bench::Figures b = bench::Measure(source, evaluated);
  bench::Figures c = bench::Measure(source, both);
  bench::Report("created range (pushed down)", a, n);
  bench::Report("metadata filter (in C++)", b, n);
  bench::Report("metadata+metrics, select *", c, n);
  std::printf("ratio pushed-down / evaluated, data set spans per second: %.1fx\n",
              b.seconds / a.seconds);
  return 0;
}
