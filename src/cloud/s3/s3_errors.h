// The one adapter from S3 (and STS/IAM query API) error responses to Status. Parses the XML
// error document (<Error><Code/><Message/><RequestId/></Error>, also nested in
// <ErrorResponse>), falls back on the HTTP status for bodiless responses (HEAD), and keeps the
// service's error code and request id in the message.
#pragma once

#include <string>
#include <string_view>

#include "cloud/http/http_client.h"
#include "common/status.h"

namespace sluice::cloud {

struct AwsError {
  int http_status = 0;
  std::string code;  // "AccessDenied"; derived from the HTTP status when absent
  std::string message;
  std::string request_id;  // from the body or the x-amz-request-id header
};

// Extracts the error from a non-2xx response.
AwsError ParseAwsError(const HttpResponse& response);

// Looks the error code up in one table that gives the status code and the StorageError reason
// (Status::reason), chosen by what the caller should do: AccessDenied -> kPermissionDenied;
// NoSuchBucket/NoSuchKey/NoSuchUpload -> kNotFound; SlowDown, throttling, 5xx and
// RequestTimeout -> kUnavailable; ExpiredToken, InvalidToken, SignatureDoesNotMatch,
// InvalidAccessKeyId -> kUnauthenticated; PreconditionFailed -> kFailedPrecondition; other 4xx
// -> kInvalidArgument; a code not in the table is judged by its HTTP status. The message reads
// "<operation> <resource>: <Code> (HTTP n): <message> [request id <id>]".
Status AwsErrorToStatus(const AwsError& error, std::string_view operation,
                        std::string_view resource);

// True when the error means the session token expired and fresh credentials may fix it.
bool IsExpiredTokenError(const AwsError& error);

}  // namespace sluice::cloud
