// ScanRequest and EventStream: the contract between whoever reads rows (query engine, fetch API,
// export runner) and the store that serves them. A ScanRequest carries only predicates a store
// can answer from its indexes (object, _xact_id range, created range, ids); everything else is
// evaluated by the reader over the streamed rows.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "model/event.h"
#include "model/object.h"

namespace sluice::model {

// A position in (_xact_id, row_key) order: a scan "after" it starts at the next row.
struct XactCursor {
  uint64_t xact_id = 0;
  int64_t row_key = 0;

  friend auto operator<=>(const XactCursor&, const XactCursor&) = default;
};

enum class ScanOrder {
  kXactAscending,     // (_xact_id, row_key) ascending: exports, fetch pagination
  kCreatedAscending,  // (created, row_key) ascending: retention, time-range queries
  kCreatedDescending,
};

// A member of a JSON field that is a string equal to one of `values`, as in the filter
// `metadata.environment = 'prod'` or `metadata.region in ('eu', 'us')`.
struct JsonStringMatch {
  std::string field;                // a model::kJsonFields name: "metadata", "input", ...
  std::vector<std::string> path;    // object keys below the field, outermost first; not empty
  std::vector<std::string> values;  // not empty
};

struct ScanRequest {
  ObjectRef object;
  ScanOrder order = ScanOrder::kXactAscending;
  // Rows strictly after this position (kXactAscending only).
  std::optional<XactCursor> after;
  // Rows with _xact_id <= this (a snapshot bound; also the watermark of DESIGN.md §3).
  std::optional<uint64_t> max_xact_id;
  // created in [created_min, created_max).
  std::optional<TimestampMicros> created_min;
  std::optional<TimestampMicros> created_max;
  // When non-empty, only rows whose id is in the list.
  std::vector<std::string> ids;
  // When non-empty, only rows whose root_span_id is in the list (whole traces).
  std::vector<std::string> root_span_ids;
  // Hints: a store may skip rows that fail any of these (the member absent, null, not a
  // string, or another string), or ignore them. A reader that needs exactly these rows
  // evaluates them itself, as the query engine does with its whole filter; `limit` counts the
  // rows returned, so it is only exact without hints.
  std::vector<JsonStringMatch> json_matches;
  // When set, the reader needs only these JSON fields (model::kJsonFields names): a store may
  // return the others empty. Unset: every field.
  std::optional<std::vector<std::string>> json_fields;
  // Stop after this many rows (0 = no limit).
  int64_t limit = 0;
};

// A forward-only stream of rows. Memory is bounded by the store's page, not by the result.
// Not thread-safe; one reader at a time.
class EventStream {
 public:
  virtual ~EventStream() = default;
  // Fills *row with the next row and returns true, or returns false at the end. A failed
  // read returns the error; the stream is then finished.
  virtual Result<bool> Next(Event* row) = 0;
};

// Something rows can be scanned from (the Store implements it; tests use in-memory fakes).
class EventSource {
 public:
  virtual ~EventSource() = default;
  virtual Result<std::unique_ptr<EventStream>> Scan(const ScanRequest& request) = 0;
  // How many rows Scan(request) returns with each of its `json_matches` applied exactly (the
  // member is a JSON string equal to one of the values), counted without reading the rows; or
  // nullopt when this source does not count so (its caller scans instead). REQUIRES: no limit.
  // A wrapper whose Scan leaves rows out must leave them out of this count too, or decline.
  virtual Result<std::optional<int64_t>> CountMatching(const ScanRequest& request) {
    (void)request;
    return std::optional<int64_t>();
  }
};

}  // namespace sluice::model
