// `POST /logs3`: the SDKs' row writes. A request may hold rows of several objects (a project's
// logs, experiments, datasets); it is one transaction with one _xact_id, validated like
// `/v1/.../insert`, each object checked for write permission. `POST /logs3/overflow` hands out
// an upload URL for a payload too large for one request; `/logs3` then names it by key.
#include "api/request_body.h"
#include "api/sdk_handlers.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "common/uuid.h"
#include "model/logs3_request.h"

namespace sluice::api {

namespace {

// The rows of one object, in request order.
struct ObjectGroup {
  ResolvedObject object;
  std::vector<model::EventWrite> writes;
  std::vector<size_t> positions;  // each write's index among the request's rows
};

std::string Where(size_t i) { return "rows[" + std::to_string(i) + "]"; }

std::string JsonStringText(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

// The string a field holds as compact JSON text ("" when absent or not a string).
std::string StringField(const model::EventWrite& w, std::string_view name) {
  const std::string* text = w.Find(name);
  if (text == nullptr) return std::string();
  auto v = Json::Parse(*text);
  return v.ok() && v->is_string() ? v->string_value() : std::string();
}

// Nests a row that names its parent by row id (`_parent_id`, the SDKs' older way) under that
// row's span: the parent is found earlier in the request, else stored in the same object.
Status ApplyParentId(store::Store& store, std::vector<model::Logs3Row>& rows, size_t i) {
  model::Logs3Row& row = rows[i];
  if (row.parent_id.empty() || row.write.Find("span_parents") != nullptr) return Status();
  std::string span, root;
  for (size_t j = i; j-- > 0;) {
    model::EventWrite& p = rows[j].write;
    if (rows[j].object != row.object || p.id != row.parent_id) continue;
    span = StringField(p, "span_id");
    if (span.empty()) {  // give the parent a span id now so the child can name it
      span = p.id;
      p.fields.emplace_back("span_id", JsonStringText(span));
    }
    root = StringField(p, "root_span_id");
    if (root.empty()) root = span;
    break;
  }
  if (span.empty()) {
    SLUICE_ASSIGN_OR_RETURN(auto parent, store.GetEvent(row.object, row.parent_id));
    if (!parent) {
      return InvalidArgumentError(Where(i) + "._parent_id: no row " + row.parent_id + " in " +
                                  std::string(model::ObjectTypeName(row.object.type)) + " " +
                                  row.object.id);
    }
    span = parent->span_id;
    root = parent->root_span_id;
  }
  row.write.fields.emplace_back("span_parents", "[" + JsonStringText(span) + "]");
  if (row.write.Find("root_span_id") == nullptr) {
    row.write.fields.emplace_back("root_span_id", JsonStringText(root));
  }
  return Status();
}

// Notes which rows reference attachments, so the files live as long as some row does. The rows
// are committed already: a failure here is logged, not answered.
void RecordAttachmentRefs(jobs::AttachmentStore& attachments, const std::string& org,
                          const std::vector<ObjectGroup>& groups) {
  std::vector<std::pair<std::string, jobs::AttachmentRef>> refs;
  for (const ObjectGroup& g : groups) {
    for (const model::EventWrite& w : g.writes) {
      for (const auto& [name, text] : w.fields) {
        for (std::string& key : jobs::AttachmentStore::KeysIn(text)) {
          refs.emplace_back(std::move(key), jobs::AttachmentRef{g.object.ref, w.id});
        }
      }
    }
  }
  if (refs.empty()) return;
  Status s = attachments.AddRefs(org, refs);
  if (!s.ok()) SLUICE_LOG_WARN("recording attachment references failed: {}", s.ToString());
}

}  // namespace

Result<ApiResponse> SdkHandlers::Logs3(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(auto request, model::ParseLogs3Request(r.body));
  if (!request.overflow_key) return WriteRows(caller, std::move(request));
  const std::string& key = *request.overflow_key;
  if (!IsUuid(key))
    return InvalidArgumentError("rows.key: not a key POST /logs3/overflow returned");
  auto payload = blobs_.Get("overflow/" + caller.key.org_id + "/" + key);
  if (payload.status().code() == StatusCode::kNotFound) {
    return InvalidArgumentError("rows.key: no payload was uploaded for overflow key " + key +
                                " (upload it to the URL POST /logs3/overflow returned)");
  }
  SLUICE_RETURN_IF_ERROR(payload.status());
  auto rows = model::ParseLogs3Request(*payload);
  if (rows.ok() && rows->overflow_key) {
    rows = InvalidArgumentError("it holds another overflow key, not rows");
  }
  if (!rows.ok()) return rows.status().WithContext("overflow payload " + key);
  return WriteRows(caller, std::move(rows).value());
}

Result<ApiResponse> SdkHandlers::WriteRows(const Caller& caller, model::Logs3Request request) {
  std::vector<ObjectGroup> groups;
  for (size_t i = 0; i < request.rows.size(); ++i) {
    model::Logs3Row& row = request.rows[i];
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const ObjectGroup& g) { return g.object.ref == row.object; });
    if (it == groups.end()) {
      auto resolved =
          auth_.RequireObject(caller, row.object, model::Permission::kWrite, "logging to it");
      if (!resolved.ok()) return resolved.status().WithContext(Where(i));
      groups.push_back({std::move(resolved).value(), {}, {}});
      it = groups.end() - 1;
    }
    if (!row.project_hint.empty() && row.project_hint != it->object.project.id) {
      return InvalidArgumentError(Where(i) + ".project_id: the row's " +
                                  std::string(model::ObjectTypeName(row.object.type)) +
                                  " belongs to project " + it->object.project.id);
    }
    SLUICE_RETURN_IF_ERROR(ApplyParentId(store_, request.rows, i));
  }
  for (size_t i = 0; i < request.rows.size(); ++i) {
    auto it = std::find_if(groups.begin(), groups.end(), [&](const ObjectGroup& g) {
      return g.object.ref == request.rows[i].object;
    });
    it->writes.push_back(std::move(request.rows[i].write));
    it->positions.push_back(i);
  }
  std::vector<store::ObjectWrites> batch;
  batch.reserve(groups.size());
  for (const ObjectGroup& g : groups) {
    batch.push_back({g.object.ref, g.object.project.org_id, g.object.project.id, g.writes});
  }
  SLUICE_ASSIGN_OR_RETURN(auto result, store_.InsertBatch(batch, clock_.NowMicros()));
  // The store answers ids object by object; the client reads them in its own order.
  std::vector<std::string> ids(request.rows.size());
  size_t k = 0;
  for (const ObjectGroup& g : groups) {
    metrics_.AddRowsInserted(std::string(model::ObjectTypeName(g.object.ref.type)),
                             static_cast<int64_t>(g.writes.size()));
    for (size_t pos : g.positions) ids[pos] = result.row_ids[k++];
  }
  RecordAttachmentRefs(attachments_, caller.key.org_id, groups);
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("row_ids").BeginArray();
  for (const auto& id : ids) w.String(id);
  w.EndArray().Member("xact_id", std::to_string(result.xact_id));
  if (request.comments_skipped > 0) w.Member("comments_not_stored", request.comments_skipped);
  w.EndObject();
  return ApiResponse::Json(std::move(out));
}

Result<ApiResponse> SdkHandlers::Logs3Overflow(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseBodyObject(r.body));
  SLUICE_ASSIGN_OR_RETURN(auto size, OptionalInt(body, "size_bytes"));
  SLUICE_ASSIGN_OR_RETURN(auto content_type, OptionalString(body, "content_type"));
  if (content_type && *content_type != "application/json") {
    return InvalidArgumentError("content_type: only application/json payloads are accepted");
  }
  if (size && *size < 0) return InvalidArgumentError("size_bytes: must not be negative");
  // Writing needs write permission somewhere; each row is checked when the payload is applied.
  bool may_write = false;
  for (const auto& g : caller.key.grants) may_write |= g.permission >= model::Permission::kWrite;
  if (!may_write) {
    return PermissionDeniedError("this API key has no write permission; logging needs write");
  }
  SweepOverflow(caller.key.org_id);
  const std::string key = NewUuid();
  SLUICE_ASSIGN_OR_RETURN(std::string url, BlobUrl(r, "PUT", "overflow", caller.key.org_id, key));
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Member("method", "PUT").Member("signedUrl", url);
  w.Key("headers").BeginObject().Member("Content-Type", "application/json").EndObject();
  w.Member("key", key).EndObject();
  return ApiResponse::Json(std::move(out));
}

void SdkHandlers::SweepOverflow(const std::string& org) {
  const std::string prefix = "overflow/" + org + "/";
  auto listed = blobs_.ListAll(prefix);
  if (!listed.ok()) return;
  const TimestampMicros cutoff = clock_.NowMicros() - options_.overflow_keep_seconds * 1'000'000;
  for (const auto& o : *listed) {
    if (o.last_modified < cutoff) blobs_.Delete(o.key).IgnoreError();
  }
}

}  // namespace sluice::api
