// FakeEventSource: an in-memory model::EventSource that honours every ScanRequest field (object,
// order, after, max_xact_id, created range, ids, root_span_ids, json_matches, json_fields, limit)
// and records each request it was given, so tests can check what the query engine pushed down. Also
// the fixed data set of the query corpus (tests/unit/query/cases.txt).
#pragma once

#include <vector>

#include "model/scan.h"

namespace sluice::testing {

// Not thread-safe.
class FakeEventSource : public model::EventSource {
 public:
  explicit FakeEventSource(std::vector<model::Event> rows = {}) : rows_(std::move(rows)) {}

  Result<std::unique_ptr<model::EventStream>> Scan(const model::ScanRequest& request) override;

  void Add(model::Event row) { rows_.push_back(std::move(row)); }
  std::vector<model::Event>& rows() { return rows_; }
  const std::vector<model::ScanRequest>& requests() const { return requests_; }
  void ClearRequests() { requests_.clear(); }

 private:
  std::vector<model::Event> rows_;
  std::vector<model::ScanRequest> requests_;
};

// T0 of the fixed data set: 2024-05-01T00:00:00Z.
inline constexpr TimestampMicros kT0 = 1'714'521'600'000'000LL;
inline constexpr int64_t kMinute = 60'000'000LL;

// The fixed data set of the corpus (described in cases.txt): project_logs('p1') holds traces
// a1 (3 spans), b1 (2 spans), c1 (1 span) and an orphan span d2 whose root is missing;
// experiment('e1') holds one span.
std::vector<model::Event> TestDataset();

}  // namespace sluice::testing
