// The one adapter from Azure Storage error responses to Status: the error code from the
// x-ms-error-code header (also on bodiless HEAD answers) or the XML body
// (<Error><Code/><Message/></Error>), the request id from x-ms-request-id, and one table from
// code to status code and StorageError reason.
#pragma once

#include <string>
#include <string_view>

#include "cloud/http/http_client.h"
#include "common/status.h"

namespace sluice::cloud {

struct AzureError {
  int http_status = 0;
  std::string code;     // "AuthenticationFailed"; derived from the HTTP status when absent
  std::string message;  // the first line of the service's message
  std::string request_id;
};

// Extracts the error from a non-2xx response.
AzureError ParseAzureError(const HttpResponse& response);

// AuthenticationFailed, InvalidAuthenticationInfo -> kUnauthenticated; Authorization*,
// InsufficientAccountPermissions -> kPermissionDenied; ContainerNotFound, BlobNotFound ->
// kNotFound; ServerBusy, OperationTimedOut, InternalError, Md5Mismatch, 429, 5xx ->
// kUnavailable; ConditionNotMet -> kFailedPrecondition; other 4xx -> kInvalidArgument. The
// message reads "<operation> <resource>: <Code> (HTTP n): <message> [request id <id>]"; it
// never holds a key, signature or token (the service's detail lines are left out).
Status AzureErrorToStatus(const AzureError& error, std::string_view operation,
                          std::string_view resource);

// True when a bearer token was refused in a way a fresh token may fix.
bool IsRefusedTokenError(const AzureError& error);

}  // namespace sluice::cloud
