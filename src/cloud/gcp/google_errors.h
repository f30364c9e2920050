// The one adapter from Google API error responses to Status: the JSON error document
// ({"error": {"code", "message", "status", "errors": [{"reason"}]}}) of Cloud Storage's JSON
// API and the IAM Credentials API, judged by its reason and status fields, then by HTTP status.
#pragma once

#include <string>
#include <string_view>

#include "cloud/http/http_client.h"
#include "common/status.h"

namespace sluice::cloud {

struct GoogleError {
  int http_status = 0;
  std::string reason;  // errors[0].reason ("notFound"), else the status field ("NOT_FOUND")
  std::string message;
};

// Extracts the error from a non-2xx response (a non-JSON body becomes the message, cut short).
GoogleError ParseGoogleError(const HttpResponse& response);

// forbidden/PERMISSION_DENIED/403 -> kPermissionDenied (kAccessDenied); 401 ->
// kUnauthenticated (kBadCredentials); notFound/404 -> kNotFound, with the reason
// kBucketNotFound when `bucket_level` (an upload or a listing, which only fail so when the bucket
// is missing) and kObjectNotFound otherwise; 408, 429, rateLimitExceeded, 5xx -> kUnavailable;
// 412 -> kFailedPrecondition; other 4xx -> kInvalidArgument. The message reads
// "<operation> <resource>: <reason> (HTTP n): <message>".
Status GoogleErrorToStatus(const GoogleError& error, std::string_view operation,
                           std::string_view resource, bool bucket_level = false);

}  // namespace sluice::cloud
