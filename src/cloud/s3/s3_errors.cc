#include "cloud/s3/s3_errors.h"

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

bool OneOf(std::string_view code, std::initializer_list<std::string_view> codes) {
  for (std::string_view c : codes) {
    if (code == c) return true;
  }
  return false;
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
  return OneOf(e.code,
               {"ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired", "RequestExpired"});
}

Status AwsErrorToStatus(const AwsError& e, std::string_view operation, std::string_view resource) {
  std::string msg = std::string(operation);
  if (!resource.empty()) msg += " " + std::string(resource);
  msg += ": " + e.code + " (HTTP " + std::to_string(e.http_status) + ")";
  if (!e.message.empty()) msg += ": " + e.message;
  if (!e.request_id.empty()) msg += " [request id " + e.request_id + "]";

  const std::string& c = e.code;
  if (OneOf(c, {"AccessDenied", "AllAccessDisabled", "AccountProblem", "UnauthorizedOperation",
                "AccessDeniedException"})) {
    return PermissionDeniedError(std::move(msg));
  }
  if (OneOf(c, {"NoSuchBucket", "NoSuchKey", "NoSuchUpload", "NotFound", "NoSuchEntity"})) {
    return NotFoundError(std::move(msg));
  }
  if (OneOf(c, {"SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded",
                "TooManyRequests", "RequestTimeout", "InternalError", "ServiceUnavailable",
                "IDPCommunicationError"}) ||
      e.http_status >= 500 || e.http_status == 429) {
    return UnavailableError(std::move(msg));
  }
  if (IsExpiredTokenError(e) ||
      OneOf(c, {"InvalidToken", "InvalidClientTokenId", "SignatureDoesNotMatch",
                "InvalidAccessKeyId", "InvalidIdentityToken", "IncompleteSignature"})) {
    return UnauthenticatedError(std::move(msg));
  }
  if (OneOf(c, {"PreconditionFailed", "InvalidObjectState"})) {
    return FailedPreconditionError(std::move(msg));
  }
  if (OneOf(c, {"BucketAlreadyExists", "BucketAlreadyOwnedByYou", "EntityAlreadyExists"})) {
    return AlreadyExistsError(std::move(msg));
  }
  if (e.http_status == 403) return PermissionDeniedError(std::move(msg));
  if (e.http_status == 404) return NotFoundError(std::move(msg));
  return InvalidArgumentError(std::move(msg));
}

}  // namespace sluice::cloud
