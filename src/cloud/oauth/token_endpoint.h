// Talking to an OAuth 2.0 token endpoint (RFC 6749): form-encoded requests, the access token
// response (§5.1, with the `expires_on` of Azure's managed identity endpoints) and the error
// response (§5.2), which is the one adapter from token endpoint errors to Status.
#pragma once

#include <string>
#include <string_view>

#include "cloud/http/http_client.h"
#include "cloud/oauth/access_token.h"
#include "cloud/retry.h"

namespace sluice::cloud {

// The token of a 2xx answer: `access_token`, and its lifetime from `expires_in` (seconds from
// `now`, number or string) or `expires_on` (Unix seconds). kUnavailable when the body is not
// such a document (a proxy's page, a truncated answer).
Result<AccessToken> ParseTokenResponse(const HttpResponse& response, std::string_view issuer,
                                       TimestampMicros now);

// A non-2xx answer as a Status whose message reads
// "<issuer>: <error> (HTTP n): <error_description>". invalid_client, invalid_grant and
// unauthorized_client -> kUnauthenticated; access_denied -> kPermissionDenied;
// temporarily_unavailable, server_error, 429 and 5xx -> kUnavailable; otherwise by HTTP status
// (401 kUnauthenticated, 403 kPermissionDenied, 404 kNotFound, else kInvalidArgument).
Status TokenErrorToStatus(const HttpResponse& response, std::string_view issuer);

struct TokenRequest {
  std::string method = "POST";
  std::string url;
  HttpHeaders headers;
  // Sent as application/x-www-form-urlencoded (EncodeQuery) when method is POST.
  QueryParams form;
  // Names the issuer in messages ("Microsoft Entra ID token endpoint").
  std::string issuer;
  // Per-attempt timeout (metadata endpoints must fail fast); 0 = the client's own.
  int64_t timeout_ms = 0;
};

// Sends the request, retrying transient failures per `retry`, and parses the answer.
Result<AccessToken> RequestToken(HttpClient& http, RetryPolicy& retry, Clock& clock,
                                 const TokenRequest& request);

}  // namespace sluice::cloud
