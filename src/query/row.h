// RowView: lazy access to the fields of one row for expression evaluation. JSON-valued fields
// (metadata, scores, …) are parsed only when a query first touches them, at most once per row,
// and only the addressed member is converted to a Value. This is the query engine's hot path.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "model/event.h"
#include "query/ast.h"
#include "query/value.h"

namespace sluice::query {

// The per-trace figures of a traces-shape row (the rest of the row is its root span).
struct TraceStats {
  int64_t span_count = 0;
  int64_t error_count = 0;
  int64_t llm_calls = 0;
};

// Not thread-safe; reuse one per scan so parser buffers are reused across rows.
class RowView {
 public:
  RowView();
  ~RowView();
  RowView(const RowView&) = delete;
  RowView& operator=(const RowView&) = delete;

  // Points the view at a row. `event` (and `stats`, null for spans) must outlive the next
  // Reset; parsed fields of the previous row are forgotten.
  void Reset(const model::Event& event, const TraceStats* stats = nullptr);

  const model::Event& event() const { return *event_; }
  const TraceStats* stats() const { return stats_; }

  // The value of a bound field expression (ExprKind::kField). Absent members, JSON null and
  // unparsable JSON are null.
  Value Field(const Expr& field);

 private:
  struct Parsed;
  Value JsonMember(int index, const Expr& field);

  const model::Event* event_ = nullptr;
  const TraceStats* stats_ = nullptr;
  std::unique_ptr<Parsed> parsed_;
};

// Converts JSON text to a Value (objects stay as compact JSON text). Invalid JSON is null.
Value ValueFromJson(std::string_view json);

// Appends the columns of a whole row (`select: *`), the keys of model::AppendEventJson (and for
// a trace, `stats` non-null, those of AppendTraceJson) in their order: text fields as strings,
// `_xact_id` as a decimal string, `created` as a timestamp, lists as arrays of strings, stored
// JSON fields through ValueFromJson; empty lists and fields are null.
void AppendRowValues(const model::Event& event, const TraceStats* stats,
                     std::vector<NamedValue>& out);

}  // namespace sluice::query
