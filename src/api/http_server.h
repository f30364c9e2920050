// HttpServer: sluice's HTTP front end over cpp-httplib (kept out of this header). Routes map a
// method and a path pattern to a handler over transport-neutral ApiRequest/ApiResponse; the
// server adds JSON errors, the body limit (413), request metrics and a catch-all so one bad
// request never takes the process down. A POST/PUT/PATCH/DELETE with neither Content-Length nor
// Transfer-Encoding has an empty body (the route's own validation answers). A body sent with
// Content-Encoding gzip, deflate or br reaches the handler decoded, and the body limit holds for
// the decoded bytes (and for chunked bodies) too. Thread-safe after Start().
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "api/api_types.h"
#include "api/metrics.h"
#include "common/clock.h"

namespace sluice::api {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8000;  // 0 = any free port
  // Requests with a larger body (after undoing a Content-Encoding) get 413.
  size_t max_body_bytes = 64ull << 20;
  // Idle keep-alive connections are closed after this long. Each open connection holds a worker
  // thread while it is idle, so this and worker_threads bound how long a new client can wait.
  int keep_alive_timeout_seconds = 2;
  // Threads serving connections: one per open connection, so this many clients can hold
  // keep-alive connections at once without stalling the next one.
  int worker_threads = 64;
};

using RouteHandler = std::function<Result<ApiResponse>(const ApiRequest&)>;
// A route's own answer to an error met before its handler runs (a body past the limit, one
// that cannot be read), for protocols that define their error bodies: given the error, the HTTP
// status it gets and the request without its body.
using RouteErrorAnswer =
    std::function<ApiResponse(const Status& error, int http_status, const ApiRequest& request)>;

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, Metrics& metrics, Clock& clock);
  ~HttpServer();

  // Registers a route. `pattern` is an ECMAScript regex over the path whose capture groups
  // become ApiRequest::path_params; `name` labels the route in metrics. REQUIRES: before Bind().
  // Without `on_error`, such errors get the JSON error body every route answers with.
  void Route(const std::string& method, const std::string& pattern, const std::string& name,
             RouteHandler handler, RouteErrorAnswer on_error = nullptr);

  // Binds the listening socket; returns the bound port. kUnavailable when the address is taken.
  Result<int> Bind();
  // Serves until Stop(). REQUIRES: Bind() succeeded.
  Status Serve();
  // Stops accepting; in-flight requests finish before Serve() returns. Safe from any thread.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::api
