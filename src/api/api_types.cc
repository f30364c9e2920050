#include "api/api_types.h"

#include "common/json_writer.h"

namespace sluice::api {

std::string ApiRequest::Query(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? std::string() : it->second;
}

std::vector<std::string> ApiRequest::QueryAll(const std::string& name) const {
  std::vector<std::string> out;
  auto [lo, hi] = query.equal_range(name);
  for (auto it = lo; it != hi; ++it) out.push_back(it->second);
  return out;
}

std::string ApiRequest::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

int HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
    case StatusCode::kFailedPrecondition: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted: return 409;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kUnimplemented: return 501;
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded: return 503;
    default: return 500;
  }
}

std::string ErrorBody(const Status& status) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("error").BeginObject();
  w.Member("code", StatusCodeName(status.code()));
  w.Member("message", status.message());
  w.EndObject().EndObject();
  return out;
}

ApiResponse ErrorResponse(const Status& status) {
  return ApiResponse::Json(ErrorBody(status), HttpStatusFor(status));
}

}  // namespace sluice::api
