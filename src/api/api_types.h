// Transport-neutral request and response types for sluice's REST API (Braintrust's API
// shapes). The HTTP server (http_server.cc) is the only code that sees cpp-httplib; handlers see
// these types.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace sluice::api {

struct ApiRequest {
  std::string method;
  std::string path;
  std::vector<std::string> path_params;           // regex captures of the route, in order
  std::multimap<std::string, std::string> query;  // decoded query parameters
  // The request body, borrowed from the transport for the duration of the handler call (request
  // bodies can be tens of megabytes: they are never copied).
  std::string_view body;
  std::string authorization;  // the Authorization header, as sent
  // Every request header, names in lower case.
  std::multimap<std::string, std::string> headers;

  // The first value of a query parameter, or "" when absent.
  std::string Query(const std::string& name) const;
  // All values of a repeated query parameter (`ids=a&ids=b`).
  std::vector<std::string> QueryAll(const std::string& name) const;
  // The first value of a header (`name` in lower case), or "" when absent.
  std::string Header(const std::string& name) const;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static ApiResponse Json(std::string body, int status = 200) {
    ApiResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
};

// The HTTP status for a Status code (the only place HTTP codes are chosen, DESIGN.md §1).
int HttpStatusFor(const Status& status);
// `{"error":{"code":"not_found","message":"..."}}`.
std::string ErrorBody(const Status& status);
ApiResponse ErrorResponse(const Status& status);

}  // namespace sluice::api
