// QueryFileRows: a custom query's output rows on their way into one file, typed as
// docs/formats.md ("Custom query schema") says. The engine hands over each value as the file
// gets it (query::FileValue); columns are the keys in order of first appearance (a key a row
// lacks is null there); each column takes the type its values share (format::MergeColumnType); and
// `_xact_id` (decimal strings) becomes int64 and `created` (RFC 3339) a timestamp when every value
// of the file converts. The rows wait in a RowSpool until the file's schema is known, so memory
// does not grow with them.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "format/row.h"
#include "format/row_writer.h"
#include "jobs/row_spool.h"
#include "query/query.h"

namespace sluice::jobs {

// Not thread-safe.
class QueryFileRows final : public query::ValueRowSink {
 public:
  // The rows wait in a spool file in `spool_dir` ("" = the system's temporary directory),
  // made at the first Clear.
  explicit QueryFileRows(std::string spool_dir) : spool_dir_(std::move(spool_dir)) {}

  // Takes one output row (a repeated key keeps its last value, at its first place).
  Status OnRow(std::span<const query::RowCell> row) override;

  int64_t rows() const { return spool_ ? spool_->rows() : 0; }
  // The schema of the rows taken so far (just `_xact_id`, a string, before any row).
  format::Schema Schema() const;
  // Begins `writer` with Schema() and writes every row taken, in order.
  Status WriteTo(format::RowWriter& writer);
  // Forgets the rows and columns: the next file starts empty. The spool is made on first use
  // (kUnavailable when it cannot be).
  Status Clear();

 private:
  // `_xact_id` and `created` get the types of the spans and traces files when they can.
  enum class Known { kNone, kXactId, kCreated };
  struct Column {
    std::string name;
    format::ValueType type = format::ValueType::kNull;  // merged over the non-null values
    Known known = Known::kNone;
    bool converts = true;  // every non-null value converts (known columns)
    bool any = false;      // a non-null value was seen
  };
  int ColumnOf(std::string_view name, size_t position);
  // Whether known column `c` is written with its file type (int64, timestamp).
  bool Typed(const Column& c) const { return c.known != Known::kNone && c.converts && c.any; }

  const std::string spool_dir_;
  std::unique_ptr<RowSpool> spool_;
  std::vector<Column> columns_;
  std::vector<SpooledCell> cells_;  // the row being taken (storage reused)
};

}  // namespace sluice::jobs
