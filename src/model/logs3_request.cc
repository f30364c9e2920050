// Parsing of `/logs3` bodies (logs3_request.h) and of exported rows being imported
// (import_row.h): both are events plus the ids of the object they belong to.
#include "model/logs3_request.h"

#include "common/uuid.h"
#include "model/event_parse_internal.h"
#include "model/import_row.h"

namespace sluice::model {

using event_parse::element;
using event_parse::FieldError;
using event_parse::IsNumber;
using event_parse::ParseDocument;
using event_parse::ParseEvent;
using event_parse::ParseRoot;
using event_parse::RowExtras;

namespace {

// The object a /logs3 row names by its id fields.
Status RouteRow(const RowExtras& x, std::string_view where, Logs3Row* row) {
  const int named = !x.log_id.empty() + !x.experiment_id.empty() + !x.dataset_id.empty();
  if (named > 1) {
    return InvalidArgumentError(std::string(where) +
                                ": names more than one object (log_id, experiment_id, "
                                "dataset_id); send exactly one");
  }
  if (!x.log_id.empty()) {
    if (x.log_id != "g") return FieldError(where, "log_id", "must be \"g\" (project logs)");
    if (x.project_id.empty()) return FieldError(where, "project_id", "is required with log_id");
    row->object = {ObjectType::kProjectLogs, x.project_id};
  } else if (!x.experiment_id.empty()) {
    row->object = {ObjectType::kExperiment, x.experiment_id};
    row->project_hint = x.project_id;
  } else if (!x.dataset_id.empty()) {
    row->object = {ObjectType::kDataset, x.dataset_id};
    row->project_hint = x.project_id;
  } else {
    return InvalidArgumentError(std::string(where) +
                                ": names no object; send project_id with log_id \"g\" (project "
                                "logs), experiment_id or dataset_id");
  }
  if (!IsUuid(row->object.id)) {
    return InvalidArgumentError(std::string(where) + ": object id \"" +
                                row->object.id.substr(0, 64) + "\" is not a valid UUID");
  }
  row->parent_id = x.parent_id;
  return Status();
}

Result<std::string> OverflowKey(element rows) {
  element type, key;
  if (rows["type"].get(type) != simdjson::SUCCESS || !type.is_string() ||
      type.get_string().value_unsafe() != "logs3_overflow") {
    return InvalidArgumentError(
        "rows: must be an array of rows, or {\"type\": \"logs3_overflow\", \"key\": ...}");
  }
  if (rows["key"].get(key) != simdjson::SUCCESS || !key.is_string() ||
      key.get_string().value_unsafe().empty()) {
    return InvalidArgumentError("rows.key: must be the key POST /logs3/overflow returned");
  }
  return std::string(key.get_string().value_unsafe());
}

Status ParseLogs3Rows(simdjson::dom::array list, Logs3Request* out) {
  if (list.size() > kMaxEventsPerInsert) {
    return InvalidArgumentError("rows: at most 100000 rows per request");
  }
  out->rows.reserve(list.size());
  size_t i = 0;
  for (element e : list) {
    const std::string where = "rows[" + std::to_string(i++) + "]";
    RowExtras x;
    SLUICE_ASSIGN_OR_RETURN(EventWrite w, ParseEvent(e, where, &x));
    if (x.comment) {
      ++out->comments_skipped;
      continue;
    }
    Logs3Row row;
    SLUICE_RETURN_IF_ERROR(RouteRow(x, where, &row));
    row.write = std::move(w);
    out->rows.push_back(std::move(row));
  }
  return Status();
}

// The object an exported row names, if it names one.
Result<std::optional<ObjectRef>> ExportedObject(const RowExtras& x, std::string_view where) {
  if (x.log_id.empty() && x.experiment_id.empty() && x.dataset_id.empty()) {
    return std::optional<ObjectRef>();
  }
  Logs3Row routed;
  SLUICE_RETURN_IF_ERROR(RouteRow(x, where, &routed));
  return std::optional<ObjectRef>(routed.object);
}

}  // namespace

Result<Logs3Request> ParseLogs3Request(std::string_view body) {
  SLUICE_ASSIGN_OR_RETURN(element root, ParseRoot(body));
  Logs3Request out;
  bool found = false;
  for (auto field : ObjectIn(root)) {
    if (field.key == "api_version") {
      if (!IsNumber(field.value.type()) || field.value.get_double().value_unsafe() != 2) {
        return InvalidArgumentError("api_version: only 2 is served");
      }
    } else if (field.key == "rows") {
      found = true;
      if (field.value.is_object()) {
        SLUICE_ASSIGN_OR_RETURN(out.overflow_key, OverflowKey(field.value));
      } else if (field.value.is_array()) {
        SLUICE_RETURN_IF_ERROR(ParseLogs3Rows(ArrayIn(field.value), &out));
      } else {
        return InvalidArgumentError("rows: must be an array of rows");
      }
    } else {
      return InvalidArgumentError(std::string(field.key) + ": is not a field of a logs3 request");
    }
  }
  if (!found) return InvalidArgumentError("rows: required");
  return out;
}

Result<ImportRow> ParseImportRow(std::string_view json_object, std::string_view where) {
  Result<element> root = ParseDocument(json_object);
  if (!root.ok()) {
    return InvalidArgumentError(std::string(where) + ": " + std::string(root.status().message()));
  }
  RowExtras x;
  x.exported = true;
  ImportRow row;
  SLUICE_ASSIGN_OR_RETURN(row.write, ParseEvent(*root, where, &x));
  if (x.comment) return FieldError(where, "comment", "feedback comments are not imported");
  SLUICE_ASSIGN_OR_RETURN(row.object, ExportedObject(x, where));
  return row;
}

Result<std::vector<ImportRow>> ParseImportLines(std::string_view text, std::string_view file) {
  std::vector<ImportRow> rows;
  size_t line = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++line;
    std::string_view l = text.substr(start, end - start);
    start = end + 1;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (l.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (rows.size() >= kMaxImportRowsPerFile) {
      return InvalidArgumentError(std::string(file) + ": more than 10,000,000 rows in one file");
    }
    SLUICE_ASSIGN_OR_RETURN(ImportRow row,
                            ParseImportRow(l, std::string(file) + ":" + std::to_string(line)));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace sluice::model
