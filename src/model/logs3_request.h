// Logs3Request: the body of `POST /logs3`, the Braintrust SDKs' write call: `{"rows": [...],
// "api_version": 2}` where each row is an event plus the ids of the object it belongs to
// (`project_id` + `log_id: "g"`, `experiment_id` or `dataset_id`), or `{"rows": {"type":
// "logs3_overflow", "key": ...}}` naming a payload uploaded earlier (POST /logs3/overflow).
// Each row's event fields are validated exactly as the insert API's (event_write.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/event_write.h"
#include "model/object.h"

namespace sluice::model {

// One row of a /logs3 request.
struct Logs3Row {
  // The object the row's id fields name; for project_logs the id is the project id.
  ObjectRef object;
  // `project_id` given beside `experiment_id` or `dataset_id` (it must be that object's
  // project); empty otherwise.
  std::string project_hint;
  // `_parent_id`: the id of the row this one is a child of (the SDKs' older way of nesting).
  std::string parent_id;
  EventWrite write;
};

struct Logs3Request {
  std::vector<Logs3Row> rows;
  // Set instead of rows for an overflow reference.
  std::optional<std::string> overflow_key;
  // Rows the request carried that are not stored (feedback comments, which Braintrust keeps in
  // an audit log); counted so the answer can say so.
  int64_t comments_skipped = 0;
};

// Parses and validates a /logs3 body. Errors are kInvalidArgument naming the row and field
// ("rows[3].scores.accuracy: must be a number between 0 and 1, or null"); nothing is returned
// for a request with any bad row. At most kMaxEventsPerInsert rows.
Result<Logs3Request> ParseLogs3Request(std::string_view body);

}  // namespace sluice::model
