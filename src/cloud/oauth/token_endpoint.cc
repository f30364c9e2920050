#include "cloud/oauth/token_endpoint.h"

#include <cstdlib>

#include "common/json.h"

namespace sluice::cloud {
namespace {

// A JSON member that may be a number or a decimal string; -1 when absent or not numeric.
int64_t IntMember(const Json& doc, std::string_view key) {
  const Json* v = doc.Find(key);
  if (v == nullptr) return -1;
  if (v->is_number()) return static_cast<int64_t>(v->number_value());
  if (!v->is_string() || v->string_value().empty()) return -1;
  char* end = nullptr;
  const long long n = std::strtoll(v->string_value().c_str(), &end, 10);
  return *end == '\0' ? n : -1;
}

std::string StringMember(const Json& doc, std::string_view key) {
  const Json* v = doc.Find(key);
  return v != nullptr && v->is_string() ? v->string_value() : std::string();
}

}  // namespace

Result<AccessToken> ParseTokenResponse(const HttpResponse& response, std::string_view issuer,
                                       TimestampMicros now) {
  auto doc = Json::Parse(response.body);
  if (!doc.ok() || !doc->is_object()) {
    return UnavailableError(std::string(issuer) + " answered something that is not a token");
  }
  AccessToken t;
  t.token = StringMember(*doc, "access_token");
  if (t.token.empty()) {
    return UnavailableError(std::string(issuer) + " answered without an access_token");
  }
  if (const int64_t on = IntMember(*doc, "expires_on"); on > 0) {
    t.expiration = on * 1'000'000;
  } else if (const int64_t in = IntMember(*doc, "expires_in"); in > 0) {
    t.expiration = now + in * 1'000'000;
  }
  return t;
}

Status TokenErrorToStatus(const HttpResponse& response, std::string_view issuer) {
  std::string error;
  std::string description;
  auto doc = Json::Parse(response.body);
  if (doc.ok() && doc->is_object()) {
    error = StringMember(*doc, "error");
    description = StringMember(*doc, "error_description");
    if (const Json* e = doc->Find("error"); e != nullptr && e->is_object()) {
      // Some Google endpoints answer {"error": {"code", "message", "status"}}.
      error = StringMember(*e, "status");
      description = StringMember(*e, "message");
    }
  } else {
    description = response.body.substr(0, 200);
  }
  const int http = response.status_code;
  std::string msg = std::string(issuer) + ": " + (error.empty() ? "error" : error) + " (HTTP " +
                    std::to_string(http) + ")";
  if (!description.empty()) msg += ": " + description;
  if (error == "invalid_client" || error == "invalid_grant" || error == "unauthorized_client" ||
      error == "UNAUTHENTICATED") {
    return UnauthenticatedError(std::move(msg));
  }
  if (error == "access_denied" || error == "PERMISSION_DENIED") {
    return PermissionDeniedError(std::move(msg));
  }
  if (error == "temporarily_unavailable" || error == "server_error" || http == 429 || http >= 500) {
    return UnavailableError(std::move(msg));
  }
  if (http == 401) return UnauthenticatedError(std::move(msg));
  if (http == 403) return PermissionDeniedError(std::move(msg));
  if (http == 404) return NotFoundError(std::move(msg));
  return InvalidArgumentError(std::move(msg));
}

Result<AccessToken> RequestToken(HttpClient& http, RetryPolicy& retry, Clock& clock,
                                 const TokenRequest& request) {
  HttpRequest req;
  req.method = request.method;
  req.url = request.url;
  req.headers = request.headers;
  if (request.method == "POST") {
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    req.body = EncodeQuery(request.form);
  }
  req.headers.emplace_back("Accept", "application/json");
  AccessToken out;
  Status st = retry.Run([&]() -> Status {
    auto resp =
        request.timeout_ms > 0 ? http.SendWithTimeout(req, request.timeout_ms) : http.Send(req);
    if (!resp.ok()) return resp.status().WithContext(request.issuer);
    if (resp->status_code < 200 || resp->status_code >= 300) {
      return TokenErrorToStatus(*resp, request.issuer);
    }
    SLUICE_ASSIGN_OR_RETURN(out, ParseTokenResponse(*resp, request.issuer, clock.NowMicros()));
    return Status();
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace sluice::cloud
