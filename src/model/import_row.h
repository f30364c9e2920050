// ImportRow: a row of an export file (JSON Lines or Parquet read as JSON objects) or of JSON
// Lines of Braintrust's row shape written by another tool, turned back into a write. The
// columns an export derives (`_xact_id`, `org_id`, `is_root`, a traces file's counts and
// timings) are dropped, null values count as absent, and the rest is validated exactly as the
// insert API validates an event, so an import stores what an insert would.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/event_write.h"
#include "model/object.h"

namespace sluice::model {

inline constexpr size_t kMaxImportRowsPerFile = 10'000'000;

struct ImportRow {
  // The object the row names by its id columns (log_id + project_id, experiment_id,
  // dataset_id), when it names one.
  std::optional<ObjectRef> object;
  EventWrite write;
};

// One row: a JSON object. Errors are kInvalidArgument naming `where` and the field.
Result<ImportRow> ParseImportRow(std::string_view json_object, std::string_view where);

// Every non-blank line of a JSON Lines text; errors name "<file>:<line>".
Result<std::vector<ImportRow>> ParseImportLines(std::string_view text, std::string_view file);

}  // namespace sluice::model
