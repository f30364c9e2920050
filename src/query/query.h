// The query engine's entry point (DESIGN.md §4): parse a BTQL or SQL query, check the caller may
// read its object, plan it (pushdown into a model::ScanRequest), stream rows from an
// EventSource, evaluate the rest in C++, and hand each output row to a sink as compact JSON
// (the API) or as the format's values (exports).
// The engine never names a store: anything implementing model::EventSource can be queried.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "format/row.h"
#include "model/scan.h"
#include "query/ast.h"

namespace sluice::query {

// Receives output rows. Implementations decide the framing (JSON Lines, {"data":[...]}).
class RowSink {
 public:
  virtual ~RowSink() = default;
  // Called once per row, in output order, with one compact JSON object. A non-OK status stops
  // the query and is returned by RunQuery.
  virtual Status OnRow(std::string_view json) = 0;
};

// Keeps the rows in one buffer, as JSON Lines or as the start of `/btql`'s JSON answer
// (`{"data":[` and the rows, which the handler closes), written where the response body will be.
class BufferedRows final : public RowSink {
 public:
  explicit BufferedRows(bool jsonl) : jsonl_(jsonl), out_(jsonl ? "" : "{\"data\":[") {}
  Status OnRow(std::string_view json) override {
    if (!jsonl_ && rows_ > 0) out_.push_back(',');
    out_.append(json);
    if (jsonl_) out_.push_back('\n');
    ++rows_;
    return Status();
  }
  std::string& out() { return out_; }
  int64_t rows() const { return rows_; }

 private:
  bool jsonl_;
  int64_t rows_ = 0;
  std::string out_;
};

// One column of a typed output row: its key and its value as a file gets it (FileValue). `name`
// lives as long as the query.
struct RowCell {
  std::string_view name;
  format::Value value;
};

// Receives output rows as the format's values (exports write them) instead of JSON text. A row
// holds exactly the keys, in the same order, that RowSink's JSON object would hold, each with
// the value that JSON reads back as (query/file_value.h): no text goes between them.
class ValueRowSink {
 public:
  virtual ~ValueRowSink() = default;
  // Called once per row, in output order; `row` is valid during the call only. A non-OK status
  // stops the query and is returned by RunParsedQuery.
  virtual Status OnRow(std::span<const RowCell> row) = 0;
};

// What each row counts beside its JSON against max_answer_bytes: what a sorted query holds for
// it besides (its bookkeeping and one sort key's Value, about 200 bytes; the keys' texts are
// counted as they are), so that pages of very small rows stay bounded too.
inline constexpr size_t kRowOverheadBytes = 256;

struct QueryContext {
  // Source of now(); taken once per query. Null means the system clock.
  Clock* clock = nullptr;
  // Called with the object the query reads before any row is read; return kPermissionDenied or
  // kNotFound to refuse. Empty means allowed.
  std::function<Status(const model::ObjectRef&)> check_permission;
  // Rows returned when the query has no limit.
  int64_t default_limit = 1000;
  // A cursor from a previous page (overrides the query's `cursor:` clause when non-empty).
  std::string cursor;
  // Bounds a page's rows (0: no bound), each counted as its JSON text (RowSink's) and
  // kRowOverheadBytes: a page ends with the row that brings their total to this many bytes, and
  // its cursor continues whenever rows may follow. A row larger than the bound still comes,
  // alone. A sorted query holds its page's rows while it reads, each counting its sort keys'
  // texts too, within the same bound. Aggregate answers (bounded by kMaxGroups) are not cut.
  size_t max_answer_bytes = 0;
  // When set, only rows with _xact_id <= this are read (a snapshot, or the export watermark of
  // DESIGN.md §3); passed to every scan as ScanRequest::max_xact_id.
  std::optional<uint64_t> max_xact_id;
};

struct QueryResult {
  int64_t rows = 0;
  // Opaque; non-empty when the page was full (its limit, or QueryContext::max_answer_bytes) and
  // more rows may follow. Pass it back (context cursor or `cursor:` clause) with the same query
  // to get the next page.
  std::string cursor;
  // Spans read from the source (for tests and metrics); 0 for a count the source answered.
  int64_t spans_scanned = 0;
};

// Parses and runs a query. Errors: kInvalidArgument for a query that cannot run (message with
// line:column), the permission callback's error, or the source's error. Not thread-safe per
// call arguments; separate calls may run concurrently.
Result<QueryResult> RunQuery(std::string_view text, const QueryContext& ctx,
                             model::EventSource& source, RowSink& sink);

// Runs an already parsed and bound query (see ParseQuery in query/parser.h), e.g. after the
// caller inspected query.source.object.
Result<QueryResult> RunParsedQuery(const Query& query, const QueryContext& ctx,
                                   model::EventSource& source, RowSink& sink);
// Same, handing each row to `sink` as typed values.
Result<QueryResult> RunParsedQuery(const Query& query, const QueryContext& ctx,
                                   model::EventSource& source, ValueRowSink& sink);

}  // namespace sluice::query
