// `POST /btql`: runs a BTQL or SQL query (query/query.h), or its JSON syntax tree as the SDKs
// send it (query/json_ast.h), as the caller, with read permission on
// the project that owns the queried object. `fmt: "json"` (default) answers
// `{"data":[...],"cursor":...}`; `fmt: "jsonl"` answers one row per line with the cursor in the
// `x-bt-cursor` header.
#include "api/handlers.h"
#include "api/request_body.h"
#include "common/json_writer.h"
#include "query/json_ast.h"
#include "query/query.h"

namespace sluice::api {

Result<ApiResponse> Handlers::Btql(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseBodyObject(r.body));
  const Json* query = body.Find("query");
  if (query == nullptr || query->is_null() ||
      (query->is_string() && query->string_value().empty())) {
    return InvalidArgumentError("query: required");
  }
  SLUICE_ASSIGN_OR_RETURN(auto fmt, OptionalString(body, "fmt"));
  const std::string format = fmt.value_or("json");
  if (format != "json" && format != "jsonl") {
    return InvalidArgumentError("fmt: must be \"json\" or \"jsonl\"");
  }
  // The SDKs also send use_columnstore, brainstore_realtime and query_source: sluice has one
  // store and reads it in real time either way.
  if (const Json* v = body.Find("version"); v != nullptr && !v->is_null()) {
    return InvalidArgumentError(
        "version: pinned reads are not served: sluice keeps each row's newest version only, so "
        "rows changed since would be missing; read without a version");
  }
  query::QueryContext ctx;
  ctx.clock = &clock_;
  ctx.check_permission = [&](const model::ObjectRef& ref) {
    return auth_.RequireObject(caller, ref, model::Permission::kRead, "querying it").status();
  };
  SLUICE_ASSIGN_OR_RETURN(auto cursor, OptionalString(body, "cursor"));
  ctx.cursor = cursor.value_or("");
  ctx.max_answer_bytes = options_.max_answer_bytes;
  const bool jsonl = format == "jsonl";
  query::BufferedRows sink(jsonl);
  query::QueryResult result;
  if (query->is_string()) {
    SLUICE_ASSIGN_OR_RETURN(result, query::RunQuery(query->string_value(), ctx, store_, sink));
  } else if (query->is_object()) {
    SLUICE_ASSIGN_OR_RETURN(query::Query parsed, query::QueryFromJson(*query));
    SLUICE_ASSIGN_OR_RETURN(result, query::RunParsedQuery(parsed, ctx, store_, sink));
  } else {
    return InvalidArgumentError("query: must be the query text or its JSON syntax tree");
  }
  ApiResponse resp;
  if (jsonl) {
    resp.content_type = "application/x-ndjson";
    resp.body = std::move(sink.out());
    if (!result.cursor.empty()) resp.headers.emplace_back("x-bt-cursor", result.cursor);
    return resp;
  }
  std::string& out = sink.out();
  out += "],\"cursor\":";
  if (result.cursor.empty()) {
    out += "null";
  } else {
    AppendJsonString(out, result.cursor);
  }
  out += "}";
  return ApiResponse::Json(std::move(out));
}

}  // namespace sluice::api
