#include "cloud/gcp/google_errors.h"

#include "cloud/object_store.h"
#include "common/json.h"

namespace sluice::cloud {
namespace {

std::string Text(const Json& doc, std::string_view key) {
  const Json* v = doc.Find(key);
  return v != nullptr && v->is_string() ? v->string_value() : std::string();
}

}  // namespace

GoogleError ParseGoogleError(const HttpResponse& response) {
  GoogleError e;
  e.http_status = response.status_code;
  auto doc = Json::Parse(response.body);
  const Json* err = doc.ok() && doc->is_object() ? doc->Find("error") : nullptr;
  if (err != nullptr && err->is_object()) {
    e.message = Text(*err, "message");
    e.reason = Text(*err, "status");
    if (const Json* list = err->Find("errors"); list != nullptr && list->is_array()) {
      if (!list->array().empty() && list->array()[0].is_object()) {
        const std::string r = Text(list->array()[0], "reason");
        if (!r.empty()) e.reason = r;
      }
    }
  } else if (err != nullptr && err->is_string()) {
    e.reason = err->string_value();  // an OAuth-style {"error": "...", "error_description"}
    e.message = doc.ok() ? Text(*doc, "error_description") : "";
  } else {
    e.message = response.body.substr(0, 200);
  }
  if (e.reason.empty()) e.reason = "HTTP" + std::to_string(response.status_code);
  return e;
}

Status GoogleErrorToStatus(const GoogleError& e, std::string_view operation,
                           std::string_view resource, bool bucket_level) {
  std::string msg(operation);
  if (!resource.empty()) msg += " " + std::string(resource);
  msg += ": " + e.reason + " (HTTP " + std::to_string(e.http_status) + ")";
  if (!e.message.empty()) msg += ": " + e.message;
  const int h = e.http_status;
  const std::string& r = e.reason;
  if (h == 408 || h == 429 || h >= 500 || r == "rateLimitExceeded" ||
      r == "userRateLimitExceeded" || r == "backendError" || r == "UNAVAILABLE") {
    const bool slow = h == 429 || r == "rateLimitExceeded" || r == "userRateLimitExceeded";
    return WithStorageError(UnavailableError(std::move(msg)),
                            slow ? StorageError::kThrottled : StorageError::kServiceError);
  }
  if (h == 401 || r == "UNAUTHENTICATED" || r == "authError") {
    return WithStorageError(UnauthenticatedError(std::move(msg)), StorageError::kBadCredentials);
  }
  if (h == 403 || r == "forbidden" || r == "PERMISSION_DENIED") {
    return WithStorageError(PermissionDeniedError(std::move(msg)), StorageError::kAccessDenied);
  }
  if (h == 404 || r == "notFound" || r == "NOT_FOUND") {
    return WithStorageError(NotFoundError(std::move(msg)), bucket_level
                                                               ? StorageError::kBucketNotFound
                                                               : StorageError::kObjectNotFound);
  }
  if (h == 412 || r == "conditionNotMet") {
    return WithStorageError(FailedPreconditionError(std::move(msg)),
                            StorageError::kPreconditionFailed);
  }
  return InvalidArgumentError(std::move(msg));
}

}  // namespace sluice::cloud
