// HttpClient: the abstract HTTP/1.1 client that every cloud call goes through, so tests can
// substitute a fake. Requests carry a body as a string or as a streaming reader callback;
// responses are fully buffered. Transport failures are Status values (see CurlError), never
// HTTP codes: a response with any status code is a successful call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/uri_encoding.h"

namespace sluice::cloud {

// An ordered list of header fields; names compare case-insensitively.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Name/value pairs of a query string or a form body, unencoded, in order.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// "a=1&b=2" with every name and value percent-encoded by UriEncode (so also
// application/x-www-form-urlencoded, which then never holds a '+').
std::string EncodeQuery(const QueryParams& params);

// The value of the first header named `name` (case-insensitive), or nullptr.
const std::string* FindHeader(const HttpHeaders& headers, std::string_view name);

// Fills `buf` with up to `len` bytes and returns how many were written; 0 means end of body.
using BodyReader = std::function<size_t(char* buf, size_t len)>;

struct HttpRequest {
  std::string method = "GET";
  // Absolute URL, already percent-encoded ("https://host/path?query").
  std::string url;
  HttpHeaders headers;
  // The body, unless `body_reader` is set.
  std::string body;
  // When set, the body is streamed from it and `body_length` gives its size in bytes.
  BodyReader body_reader;
  int64_t body_length = 0;
};

struct HttpResponse {
  int status_code = 0;
  HttpHeaders headers;
  std::string body;
};

struct HttpClientOptions {
  // Time allowed to establish the TCP/TLS connection.
  int64_t connect_timeout_ms = 10'000;
  // Time allowed for the whole request, 0 for no limit.
  int64_t total_timeout_ms = 0;
  // Abort when slower than low_speed_limit_bytes_per_second for low_speed_time_seconds
  // (0 disables the check).
  int64_t low_speed_limit_bytes_per_second = 1;
  int64_t low_speed_time_seconds = 60;
  // PEM CA bundle; empty means the system default. TLS peer verification is always on.
  std::string ca_bundle_path;
};

// Implementations must be thread-safe: one client is shared by all callers.
class HttpClient {
 public:
  virtual ~HttpClient() = default;

  // Sends one request and returns the response, whatever its status code. Errors:
  // kUnavailable (connection refused/reset, DNS failure, transient transport errors),
  // kDeadlineExceeded (a timeout), kInvalidArgument (a malformed URL or request).
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;

  // Like Send, but with per-call timeouts overriding the client's options (for metadata
  // endpoints that must fail fast). The default ignores the override.
  virtual Result<HttpResponse> SendWithTimeout(const HttpRequest& request, int64_t timeout_ms) {
    (void)timeout_ms;
    return Send(request);
  }
};

// Percent-encoding (common/uri_encoding.h), which the cloud clients use throughout.
using ::sluice::UriDecode;
using ::sluice::UriEncode;

}  // namespace sluice::cloud
