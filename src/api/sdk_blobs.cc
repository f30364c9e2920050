// Uploads and downloads through signed URLs on sluice itself (`PUT/GET /blob/<kind>/<org>/<key>`)
// and the SDKs' attachment calls: `POST /attachment` (an upload URL), `POST /attachment/status`
// (the SDK reports the upload done or failed) and `GET /attachment` (a download URL and the
// status). Attachments live in the blob store under their org; their metadata (file name,
// content type, status) beside them.
#include "api/request_body.h"
#include "api/sdk_handlers.h"
#include "common/json_writer.h"
#include "common/uuid.h"

namespace sluice::api {

namespace {

constexpr size_t kMaxAttachmentKeyBytes = 128;

// Attachment keys are chosen by the client (the SDKs use UUIDs): letters, digits, '.', '_', '-'.
Status CheckAttachmentKey(const std::string& key) {
  bool ok = !key.empty() && key.size() <= kMaxAttachmentKeyBytes && key != "." && key != "..";
  for (char c : key)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
  if (!ok) {
    return InvalidArgumentError("key: must be 1 to 128 letters, digits, '.', '_' or '-'");
  }
  return Status();
}

std::string BlobKey(const std::string& kind, const std::string& org, const std::string& key) {
  return kind + "/" + org + "/" + key;
}

bool MayWrite(const Caller& caller) {
  for (const auto& g : caller.key.grants) {
    if (g.permission >= model::Permission::kWrite) return true;
  }
  return false;
}

}  // namespace

Result<std::string> SdkHandlers::BlobUrl(const ApiRequest& r, const std::string& method,
                                         const std::string& kind, const std::string& org,
                                         const std::string& key) const {
  SLUICE_ASSIGN_OR_RETURN(std::string base, BaseUrl(r));
  const std::string path = "/blob/" + BlobKey(kind, org, key);
  const int64_t expires = clock_.NowMicros() / 1'000'000 + options_.signed_url_ttl_seconds;
  return base + path + "?" + signer_.Sign(method, path, expires);
}

Result<ApiResponse> SdkHandlers::PutBlob(const ApiRequest& r) {
  const std::string& kind = r.path_params[0];
  const std::string& org = r.path_params[1];
  const std::string& key = r.path_params[2];
  SLUICE_RETURN_IF_ERROR(
      signer_.Verify("PUT", r.path, r.Query("expires"), r.Query("signature"), clock_.NowMicros()));
  // One upload per URL: a second one would change what the key names.
  if (kind == "attachment") {
    SLUICE_RETURN_IF_ERROR(CheckAttachmentKey(key));
    SLUICE_ASSIGN_OR_RETURN(bool uploaded, attachments_.HasData(org, key));
    if (uploaded) return AbortedError("this upload URL was used already");
    SLUICE_RETURN_IF_ERROR(attachments_.PutData(org, key, r.body));
    return ApiResponse::Json("{}");
  }
  SLUICE_RETURN_IF_ERROR(CheckUuid(key, "key"));
  auto existing = blobs_.Head(BlobKey(kind, org, key));
  if (existing.ok()) return AbortedError("this upload URL was used already");
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  SLUICE_RETURN_IF_ERROR(blobs_.Put(BlobKey(kind, org, key), r.body));
  return ApiResponse::Json("{}");
}

Result<ApiResponse> SdkHandlers::GetBlob(const ApiRequest& r) {
  const std::string& org = r.path_params[1];
  const std::string& key = r.path_params[2];
  SLUICE_RETURN_IF_ERROR(
      signer_.Verify("GET", r.path, r.Query("expires"), r.Query("signature"), clock_.NowMicros()));
  SLUICE_RETURN_IF_ERROR(CheckAttachmentKey(key));
  SLUICE_ASSIGN_OR_RETURN(auto meta, attachments_.GetMeta(org, key));
  if (!meta) return NotFoundError("attachment " + key + " not found");
  SLUICE_ASSIGN_OR_RETURN(std::string bytes, attachments_.GetData(org, key));
  ApiResponse resp;
  resp.content_type = meta->content_type.empty() ? "application/octet-stream" : meta->content_type;
  resp.body = std::move(bytes);
  resp.headers.emplace_back("X-Content-Type-Options", "nosniff");
  resp.headers.emplace_back("Content-Disposition", "attachment");
  return resp;
}

Result<ApiResponse> SdkHandlers::CreateAttachment(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseBodyObject(r.body));
  SLUICE_RETURN_IF_ERROR(CheckOrg(caller, body));
  SLUICE_ASSIGN_OR_RETURN(auto key, OptionalString(body, "key"));
  SLUICE_ASSIGN_OR_RETURN(auto filename, OptionalString(body, "filename"));
  SLUICE_ASSIGN_OR_RETURN(auto content_type, OptionalString(body, "content_type"));
  if (!key) return InvalidArgumentError("key: required");
  SLUICE_RETURN_IF_ERROR(CheckAttachmentKey(*key));
  if (!content_type || content_type->empty()) return InvalidArgumentError("content_type: required");
  if (!MayWrite(caller)) {
    return PermissionDeniedError("this API key has no write permission; attachments need write");
  }
  const std::string& org = caller.key.org_id;
  SLUICE_ASSIGN_OR_RETURN(bool uploaded, attachments_.HasData(org, *key));
  if (uploaded) return AlreadyExistsError("attachment " + *key + " was uploaded already");
  SLUICE_RETURN_IF_ERROR(attachments_.Describe(org, *key, filename.value_or(""), *content_type));
  SLUICE_ASSIGN_OR_RETURN(std::string url, BlobUrl(r, "PUT", "attachment", org, *key));
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Member("signedUrl", url);
  w.Key("headers").BeginObject().Member("Content-Type", *content_type).EndObject();
  w.EndObject();
  return ApiResponse::Json(std::move(out));
}

Result<ApiResponse> SdkHandlers::AttachmentStatus(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(Json body, ParseBodyObject(r.body));
  SLUICE_RETURN_IF_ERROR(CheckOrg(caller, body));
  SLUICE_ASSIGN_OR_RETURN(auto key, OptionalString(body, "key"));
  if (!key) return InvalidArgumentError("key: required");
  SLUICE_RETURN_IF_ERROR(CheckAttachmentKey(*key));
  const Json* status = body.Find("status");
  const Json* upload = status != nullptr ? status->Find("upload_status") : nullptr;
  const std::string value = upload != nullptr && upload->is_string() ? upload->string_value() : "";
  if (value != "uploading" && value != "done" && value != "error") {
    return InvalidArgumentError(
        "status.upload_status: must be \"uploading\", \"done\" or \"error\"");
  }
  const std::string& org = caller.key.org_id;
  if (value == "done") {
    SLUICE_ASSIGN_OR_RETURN(bool uploaded, attachments_.HasData(org, *key));
    if (!uploaded) return InvalidArgumentError("attachment " + *key + " was not uploaded");
  }
  SLUICE_RETURN_IF_ERROR(attachments_.SetStatus(org, *key, *status));
  return ApiResponse::Json("{}");
}

Result<ApiResponse> SdkHandlers::GetAttachment(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  const std::string org_id = r.Query("org_id");
  if (!org_id.empty() && org_id != caller.key.org_id) {
    return NotFoundError("org " + org_id.substr(0, 64) + " not found");
  }
  const std::string key = r.Query("key");
  if (key.empty()) {
    return InvalidArgumentError(
        "key: required (attachments stored elsewhere, by url, are not "
        "served by sluice)");
  }
  SLUICE_RETURN_IF_ERROR(CheckAttachmentKey(key));
  const std::string& org = caller.key.org_id;
  SLUICE_ASSIGN_OR_RETURN(auto meta, attachments_.GetMeta(org, key));
  if (!meta || meta->content_type.empty()) return NotFoundError("attachment " + key + " not found");
  SLUICE_ASSIGN_OR_RETURN(std::string url, BlobUrl(r, "GET", "attachment", org, key));
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Member("downloadUrl", url).Key("status").Raw(meta->status.ToString());
  w.EndObject();
  return ApiResponse::Json(std::move(out));
}

}  // namespace sluice::api
