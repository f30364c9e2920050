// Rows: `POST /v1/{project_logs|experiment|dataset}/{id}/insert` and `…/fetch` (POST body or GET
// query). Fetch pages in (_xact_id, row) order with an opaque cursor that stays valid while
// inserts continue: new and updated rows appear after it, nothing already returned moves before
// it.
#include "api/handlers.h"
#include "api/request_body.h"
#include "common/json_writer.h"
#include "model/event_write.h"

namespace sluice::api {

namespace {

// The cursor is "<xact_id>.<row_key>" in hex; opaque to clients.
std::string EncodeCursor(const model::XactCursor& c) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%llx.%llx", static_cast<unsigned long long>(c.xact_id),
                static_cast<unsigned long long>(c.row_key));
  return buf;
}

Result<model::XactCursor> DecodeCursor(const std::string& s) {
  unsigned long long x = 0, k = 0;
  char tail = 0;
  if (std::sscanf(s.c_str(), "%llx.%llx%c", &x, &k, &tail) != 2) {
    return InvalidArgumentError("cursor: not a cursor returned by fetch");
  }
  return model::XactCursor{x, static_cast<int64_t>(k)};
}

Result<uint64_t> ParseXactId(const std::string& s) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0') return InvalidArgumentError("max_xact_id: must be a decimal id");
  return v;
}

struct FetchParams {
  int64_t limit = 0;
  std::string cursor;
  std::string max_xact_id;
};

Result<FetchParams> ReadFetchParams(const ApiRequest& r) {
  FetchParams p;
  if (r.method == "GET") {
    if (const std::string l = r.Query("limit"); !l.empty()) {
      char* end = nullptr;
      p.limit = std::strtoll(l.c_str(), &end, 10);
      if (*end != '\0') return InvalidArgumentError("limit: must be an integer");
    }
    p.cursor = r.Query("cursor");
    p.max_xact_id = r.Query("max_xact_id");
    return p;
  }
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseBodyObject(r.body));
  SLUICE_ASSIGN_OR_RETURN(auto limit, OptionalInt(body, "limit"));
  SLUICE_ASSIGN_OR_RETURN(auto cursor, OptionalString(body, "cursor"));
  SLUICE_ASSIGN_OR_RETURN(auto max_xact, OptionalString(body, "max_xact_id"));
  p.limit = limit.value_or(0);
  p.cursor = cursor.value_or("");
  p.max_xact_id = max_xact.value_or("");
  return p;
}

}  // namespace

Result<ResolvedObject> Handlers::ResolveObject(const Caller& caller, const std::string& type,
                                               const std::string& id, model::Permission needed,
                                               std::string_view action) {
  SLUICE_ASSIGN_OR_RETURN(model::ObjectType t, model::ParseObjectType(type));
  return auth_.RequireObject(caller, {t, id}, needed, action);
}

Result<ApiResponse> Handlers::Insert(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(auto obj, ResolveObject(caller, r.path_params[0], r.path_params[1],
                                                  model::Permission::kWrite, "insert"));
  SLUICE_ASSIGN_OR_RETURN(auto writes, model::ParseInsertRequest(r.body));
  SLUICE_ASSIGN_OR_RETURN(
      auto result,
      store_.InsertEvents(obj.ref, obj.project.org_id, obj.project.id, writes, clock_.NowMicros()));
  metrics_.AddRowsInserted(r.path_params[0], result.rows_written);
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("row_ids").BeginArray();
  for (const auto& id : result.row_ids) w.String(id);
  w.EndArray().EndObject();
  return ApiResponse::Json(std::move(out));
}

Result<ApiResponse> Handlers::Fetch(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(auto obj, ResolveObject(caller, r.path_params[0], r.path_params[1],
                                                  model::Permission::kRead, "fetch"));
  SLUICE_ASSIGN_OR_RETURN(FetchParams p, ReadFetchParams(r));
  if (p.limit < 0 || p.limit > options_.max_fetch_limit) {
    return InvalidArgumentError("limit: must be from 1 to " +
                                std::to_string(options_.max_fetch_limit));
  }
  model::ScanRequest scan;
  scan.object = obj.ref;
  scan.limit = p.limit > 0 ? p.limit : options_.default_fetch_limit;
  if (!p.cursor.empty()) {
    SLUICE_ASSIGN_OR_RETURN(scan.after, DecodeCursor(p.cursor));
  }
  if (!p.max_xact_id.empty()) {
    SLUICE_ASSIGN_OR_RETURN(scan.max_xact_id, ParseXactId(p.max_xact_id));
  }
  SLUICE_ASSIGN_OR_RETURN(auto stream, store_.Scan(scan));
  std::string out = "{\"events\":[";
  model::Event e;
  std::optional<model::XactCursor> last;
  for (bool first = true;; first = false) {
    SLUICE_ASSIGN_OR_RETURN(bool more, stream->Next(&e));
    if (!more) break;
    if (!first) out.push_back(',');
    model::AppendEventJson(e, out);
    last = model::XactCursor{e.xact_id, e.row_key};
    // A page that reaches the answer bound ends here; its cursor continues after this row.
    if (options_.max_answer_bytes > 0 && out.size() >= options_.max_answer_bytes) break;
  }
  out += "],\"cursor\":";
  if (last) {
    AppendJsonString(out, EncodeCursor(*last));
  } else {
    out += "null";
  }
  out.push_back('}');
  return ApiResponse::Json(std::move(out));
}

}  // namespace sluice::api
