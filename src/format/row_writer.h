// RowWriter: writes rows of one Schema into one file (JSON Lines or Parquet) on an OutputSink,
// streaming: memory is bounded by one row group (Parquet) or one buffer (JSON Lines), not by
// the file. Formats and codecs are described in docs/formats.md.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/status.h"
#include "format/row.h"
#include "model/event.h"

namespace sluice::format {

// What a writer has produced so far.
struct WriteStats {
  int64_t rows = 0;
  int64_t bytes = 0;  // bytes handed to the sink (the file size once finished)
  // Smallest and largest value of the `_xact_id` column written; unset without such column
  // or rows.
  std::optional<int64_t> min_xact_id;
  std::optional<int64_t> max_xact_id;
};

// Not thread-safe. Call order: Begin, any number of WriteRows/WriteEvents, Finish. After any
// error the writer is unusable and the file incomplete.
class RowWriter {
 public:
  virtual ~RowWriter() = default;

  // Starts the file. kInvalidArgument for an unusable schema (no columns, kNull type,
  // duplicate names).
  virtual Status Begin(const Schema& schema) = 0;
  // Appends rows. kInvalidArgument when a row has the wrong number of values, a value does not
  // fit its column's type (CoerceValue) or a non-nullable column gets a null.
  virtual Status WriteRows(std::span<const Row> rows) = 0;
  // Appends spans as rows of SpanSchema(). REQUIRES: Begin(SpanSchema()). Converts through
  // rows kept between calls, so a span's strings are copied into storage that is already there
  // rather than allocated for each span.
  virtual Status WriteEvents(std::span<const model::Event> events);
  // Writes what is buffered and the file's trailer, then closes the sink.
  virtual Status Finish() = 0;

  virtual const WriteStats& stats() const = 0;

 private:
  std::vector<Row> event_rows_;  // WriteEvents' rows, reused
};

}  // namespace sluice::format
