#include "cloud/s3/s3_errors.h"

#include "cloud/object_store.h"
#include "cloud/xml/xml_reader.h"

namespace sluice::cloud {
namespace {

std::string CodeForStatus(int http_status) {
  switch (http_status) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "AccessDenied";
    case 404: return "NotFound";
    case 409: return "Conflict";
    case 412: return "PreconditionFailed";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServiceUnavailable";
    default: return "HTTP" + std::to_string(http_status);
  }
}

// What each S3 (and STS/IAM) error code means for the caller: the status code chosen by what
// to do next, and the storage reason the probe and the export runner explain.
struct S3ErrorClass {
  std::string_view name;
  StatusCode code;
  StorageError reason;
};

constexpr S3ErrorClass kErrorClasses[] = {
    {"AccessDenied", StatusCode::kPermissionDenied, StorageError::kAccessDenied},
    {"AllAccessDisabled", StatusCode::kPermissionDenied, StorageError::kAccessDenied},
    {"AccountProblem", StatusCode::kPermissionDenied, StorageError::kAccessDenied},
    {"UnauthorizedOperation", StatusCode::kPermissionDenied, StorageError::kAccessDenied},
    {"AccessDeniedException", StatusCode::kPermissionDenied, StorageError::kAccessDenied},
    {"NoSuchBucket", StatusCode::kNotFound, StorageError::kBucketNotFound},
    {"NoSuchKey", StatusCode::kNotFound, StorageError::kObjectNotFound},
    {"NoSuchUpload", StatusCode::kNotFound, StorageError::kObjectNotFound},
    {"NotFound", StatusCode::kNotFound, StorageError::kNone},
    {"NoSuchEntity", StatusCode::kNotFound, StorageError::kNone},
    {"SlowDown", StatusCode::kUnavailable, StorageError::kThrottled},
    {"Throttling", StatusCode::kUnavailable, StorageError::kThrottled},
    {"ThrottlingException", StatusCode::kUnavailable, StorageError::kThrottled},
    {"RequestLimitExceeded", StatusCode::kUnavailable, StorageError::kThrottled},
    {"TooManyRequests", StatusCode::kUnavailable, StorageError::kThrottled},
    {"RequestTimeout", StatusCode::kUnavailable, StorageError::kServiceError},
    {"InternalError", StatusCode::kUnavailable, StorageError::kServiceError},
    {"ServiceUnavailable", StatusCode::kUnavailable, StorageError::kServiceError},
    {"IDPCommunicationError", StatusCode::kUnavailable, StorageError::kServiceError},
    {"ExpiredToken", StatusCode::kUnauthenticated, StorageError::kExpiredCredentials},
    {"ExpiredTokenException", StatusCode::kUnauthenticated, StorageError::kExpiredCredentials},
    {"TokenRefreshRequired", StatusCode::kUnauthenticated, StorageError::kExpiredCredentials},
    {"RequestExpired", StatusCode::kUnauthenticated, StorageError::kExpiredCredentials},
    {"InvalidToken", StatusCode::kUnauthenticated, StorageError::kBadCredentials},
    {"InvalidClientTokenId", StatusCode::kUnauthenticated, StorageError::kBadCredentials},
    {"SignatureDoesNotMatch", StatusCode::kUnauthenticated, StorageError::kBadCredentials},
    {"InvalidAccessKeyId", StatusCode::kUnauthenticated, StorageError::kBadCredentials},
    {"InvalidIdentityToken", StatusCode::kUnauthenticated, StorageError::kBadCredentials},
    {"IncompleteSignature", StatusCode::kUnauthenticated, StorageError::kBadCredentials},
    {"PreconditionFailed", StatusCode::kFailedPrecondition, StorageError::kPreconditionFailed},
    {"InvalidObjectState", StatusCode::kFailedPrecondition, StorageError::kNone},
    {"BucketAlreadyExists", StatusCode::kAlreadyExists, StorageError::kNone},
    {"BucketAlreadyOwnedByYou", StatusCode::kAlreadyExists, StorageError::kNone},
    {"EntityAlreadyExists", StatusCode::kAlreadyExists, StorageError::kNone},
};

const S3ErrorClass* FindErrorClass(std::string_view code) {
  for (const S3ErrorClass& c : kErrorClasses) {
    if (c.name == code) return &c;
  }
  return nullptr;
}

}  // namespace

AwsError ParseAwsError(const HttpResponse& response) {
  AwsError e;
  e.http_status = response.status_code;
  if (!response.body.empty()) {
    auto doc = ParseXml(response.body);
    if (doc.ok()) {
      // S3: <Error> at the root; query APIs: <ErrorResponse><Error>...</Error><RequestId>.
      const XmlElement* err = doc->name == "Error" ? &*doc : doc->Child("Error");
      if (err != nullptr) {
        e.code = err->ChildText("Code");
        e.message = err->ChildText("Message");
        e.request_id = err->ChildText("RequestId");
      }
      if (e.request_id.empty()) e.request_id = doc->ChildText("RequestId");
    } else {
      e.message = response.body.substr(0, 200);
    }
  }
  if (e.code.empty()) {
    e.code = response.status_code == 404 ? "NoSuchKey" : CodeForStatus(response.status_code);
  }
  if (e.request_id.empty()) {
    if (const std::string* id = FindHeader(response.headers, "x-amz-request-id")) {
      e.request_id = *id;
    } else if (const std::string* id2 = FindHeader(response.headers, "x-amzn-RequestId")) {
      e.request_id = *id2;
    }
  }
  return e;
}

bool IsExpiredTokenError(const AwsError& e) {
  const S3ErrorClass* c = FindErrorClass(e.code);
  return c != nullptr && c->reason == StorageError::kExpiredCredentials;
}

Status AwsErrorToStatus(const AwsError& e, std::string_view operation, std::string_view resource) {
  std::string msg = std::string(operation);
  if (!resource.empty()) msg += " " + std::string(resource);
  msg += ": " + e.code + " (HTTP " + std::to_string(e.http_status) + ")";
  if (!e.message.empty()) msg += ": " + e.message;
  if (!e.request_id.empty()) msg += " [request id " + e.request_id + "]";

  if (const S3ErrorClass* c = FindErrorClass(e.code)) {
    return WithStorageError(Status(c->code, std::move(msg)), c->reason);
  }
  // An error code not in the table: the HTTP status decides.
  if (e.http_status >= 500 || e.http_status == 429) {
    return WithStorageError(UnavailableError(std::move(msg)), e.http_status == 429
                                                                  ? StorageError::kThrottled
                                                                  : StorageError::kServiceError);
  }
  if (e.http_status == 403) {
    return WithStorageError(PermissionDeniedError(std::move(msg)), StorageError::kAccessDenied);
  }
  if (e.http_status == 404) return NotFoundError(std::move(msg));
  return InvalidArgumentError(std::move(msg));
}

}  // namespace sluice::cloud
