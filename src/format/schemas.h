// The fixed schemas of the export shapes (spans, traces) and schema inference for custom
// queries (DESIGN.md §4–5). Column lists and the inference rule are in docs/formats.md.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "format/row.h"
#include "model/event.h"

namespace sluice::format {

// Name of the column every shape carries with the transaction id; writers report its
// minimum and maximum (WriteStats).
inline constexpr char kXactIdColumn[] = "_xact_id";

// One row per span: id, _xact_id, created, org_id, project_id, log_id, experiment_id,
// dataset_id, span_id, root_span_id, span_parents, is_root, the JSON fields of
// model::kJsonFields, tags.
const Schema& SpanSchema();

// The row of SpanSchema() for `event`. Empty strings and empty lists become nulls; the object
// id goes to log_id ("g"), experiment_id or dataset_id by the event's object type.
Row EventToRow(const model::Event& event);
// Same, reusing `row`'s storage (for loops over many events).
void EventToRow(const model::Event& event, Row& row);

// One row per trace: id, span_id, root_span_id, created, input, output, expected, error,
// metadata, tags, span_attributes, scores, metrics, span_count, error_count, llm_calls,
// prompt_tokens, completion_tokens, tokens, estimated_cost, start, end, duration (seconds),
// _xact_id. Producers build rows in exactly this column order.
const Schema& TraceSchema();

// The type of a custom query column after it meets a value of type `value`: the same; the
// value's type while the column has only seen nulls (kNull); kDouble for int64 mixed with
// double; kJson for any other mix. A null value changes nothing.
ValueType MergeColumnType(ValueType column, ValueType value);

// Schema of custom query results: column `names[k]` takes the type shared by every non-null
// value at index k; int64 mixed with double becomes double; any other mix becomes kJson
// (written as JSON text); a column with only nulls is kString. Every column is nullable.
// REQUIRES: every row has names.size() values.
Schema InferSchema(const std::vector<std::string>& names, std::span<const Row> rows);

}  // namespace sluice::format
