// Rows of the three export definitions (DESIGN.md §5): spans as they are (format::EventToRow),
// traces as one TraceSchema row each, and a custom query's JSON output rows with a schema
// inferred from their values (docs/formats.md). Also the source window a custom query of one
// export file reads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "format/row.h"
#include "model/scan.h"
#include "query/query.h"
#include "query/traces.h"

namespace sluice::jobs {

// The TraceSchema row of a trace built by query::BuildTrace.
format::Row TraceToRow(const query::TraceRow& trace);

// Collects a query's output rows (compact JSON objects) and turns them into typed rows: columns
// in order of first appearance, a key absent from a row is null there, objects and arrays are
// JSON, and each column's type follows format::InferSchema, except that `_xact_id` (decimal
// strings) becomes int64 and `created` (RFC 3339) a timestamp when every value converts.
// Not thread-safe.
class QueryRowCollector final : public query::RowSink {
 public:
  Status OnRow(std::string_view json) override;
  int64_t rows() const { return static_cast<int64_t>(rows_.size()); }
  // The schema and rows collected so far.
  std::pair<format::Schema, std::vector<format::Row>> Take();

 private:
  void TypeKnownColumns(std::vector<format::Row>& rows) const;

  std::vector<std::string> names_;
  std::vector<std::vector<std::pair<int, format::Value>>> rows_;  // (column, value)
};

// The rows of `inner` committed after `from` (in (_xact_id, row_key) order) with _xact_id <=
// `max_xact_id`: every scan through it is narrowed to that window, whatever its order.
class WindowedSource final : public model::EventSource {
 public:
  WindowedSource(model::EventSource& inner, model::XactCursor from, uint64_t max_xact_id)
      : inner_(inner), from_(from), max_xact_id_(max_xact_id) {}
  Result<std::unique_ptr<model::EventStream>> Scan(const model::ScanRequest& request) override;

 private:
  model::EventSource& inner_;
  const model::XactCursor from_;
  const uint64_t max_xact_id_;
};

}  // namespace sluice::jobs
