#include "cloud/azure/azure_errors.h"

#include "cloud/object_store.h"
#include "cloud/xml/xml_reader.h"

namespace sluice::cloud {
namespace {

struct AzureErrorClass {
  std::string_view name;
  StatusCode code;
  StorageError reason;
};

constexpr AzureErrorClass kErrorClasses[] = {
    {"AuthenticationFailed", StatusCode::kUnauthenticated, StorageError::kBadCredentials},
    {"InvalidAuthenticationInfo", StatusCode::kUnauthenticated, StorageError::kBadCredentials},
    {"NoAuthenticationInformation", StatusCode::kUnauthenticated, StorageError::kBadCredentials},
    {"AuthorizationFailure", StatusCode::kPermissionDenied, StorageError::kAccessDenied},
    {"AuthorizationPermissionMismatch", StatusCode::kPermissionDenied, StorageError::kAccessDenied},
    {"AuthorizationResourceTypeMismatch", StatusCode::kPermissionDenied,
     StorageError::kAccessDenied},
    {"AuthorizationServiceMismatch", StatusCode::kPermissionDenied, StorageError::kAccessDenied},
    {"AuthorizationProtocolMismatch", StatusCode::kPermissionDenied, StorageError::kAccessDenied},
    {"AuthorizationSourceIPMismatch", StatusCode::kPermissionDenied, StorageError::kAccessDenied},
    {"InsufficientAccountPermissions", StatusCode::kPermissionDenied, StorageError::kAccessDenied},
    {"AccountIsDisabled", StatusCode::kPermissionDenied, StorageError::kAccessDenied},
    {"ContainerNotFound", StatusCode::kNotFound, StorageError::kBucketNotFound},
    {"ContainerBeingDeleted", StatusCode::kNotFound, StorageError::kBucketNotFound},
    {"ContainerDisabled", StatusCode::kNotFound, StorageError::kBucketNotFound},
    {"BlobNotFound", StatusCode::kNotFound, StorageError::kObjectNotFound},
    {"ServerBusy", StatusCode::kUnavailable, StorageError::kThrottled},
    {"OperationTimedOut", StatusCode::kUnavailable, StorageError::kServiceError},
    {"InternalError", StatusCode::kUnavailable, StorageError::kServiceError},
    // The body arrived corrupted: sending it again may succeed.
    {"Md5Mismatch", StatusCode::kUnavailable, StorageError::kServiceError},
    {"ConditionNotMet", StatusCode::kFailedPrecondition, StorageError::kPreconditionFailed},
    {"TargetConditionNotMet", StatusCode::kFailedPrecondition, StorageError::kPreconditionFailed},
};

const AzureErrorClass* FindErrorClass(std::string_view code) {
  for (const AzureErrorClass& c : kErrorClasses) {
    if (c.name == code) return &c;
  }
  return nullptr;
}

std::string CodeForStatus(int http_status) {
  switch (http_status) {
    case 401: return "InvalidAuthenticationInfo";
    case 403: return "AuthorizationFailure";
    case 404: return "ResourceNotFound";
    case 412: return "ConditionNotMet";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServerBusy";
    default: return "HTTP" + std::to_string(http_status);
  }
}

}  // namespace

AzureError ParseAzureError(const HttpResponse& response) {
  AzureError e;
  e.http_status = response.status_code;
  if (const std::string* code = FindHeader(response.headers, "x-ms-error-code")) e.code = *code;
  if (const std::string* id = FindHeader(response.headers, "x-ms-request-id")) e.request_id = *id;
  if (!response.body.empty()) {
    auto doc = ParseXml(response.body);
    if (doc.ok() && doc->name == "Error") {
      if (e.code.empty()) e.code = doc->ChildText("Code");
      e.message = doc->ChildText("Message");
    }
  }
  // The service's message ends in "RequestId:…\nTime:…" lines; the first line says it all.
  e.message = e.message.substr(0, e.message.find_first_of("\r\n"));
  if (e.code.empty()) e.code = CodeForStatus(response.status_code);
  return e;
}

bool IsRefusedTokenError(const AzureError& e) {
  return e.http_status == 401 || e.code == "InvalidAuthenticationInfo";
}

Status AzureErrorToStatus(const AzureError& e, std::string_view operation,
                          std::string_view resource) {
  std::string msg(operation);
  if (!resource.empty()) msg += " " + std::string(resource);
  msg += ": " + e.code + " (HTTP " + std::to_string(e.http_status) + ")";
  if (!e.message.empty()) msg += ": " + e.message;
  if (!e.request_id.empty()) msg += " [request id " + e.request_id + "]";
  if (const AzureErrorClass* c = FindErrorClass(e.code)) {
    return WithStorageError(Status(c->code, std::move(msg)), c->reason);
  }
  if (e.http_status >= 500 || e.http_status == 429) {
    return WithStorageError(UnavailableError(std::move(msg)), e.http_status == 429
                                                                  ? StorageError::kThrottled
                                                                  : StorageError::kServiceError);
  }
  if (e.http_status == 401) {
    return WithStorageError(UnauthenticatedError(std::move(msg)), StorageError::kBadCredentials);
  }
  if (e.http_status == 403) {
    return WithStorageError(PermissionDeniedError(std::move(msg)), StorageError::kAccessDenied);
  }
  if (e.http_status == 404) return NotFoundError(std::move(msg));
  return InvalidArgumentError(std::move(msg));
}

}  // namespace sluice::cloud
