#include "api/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <regex>
#include <vector>

#include "api/http_connection.h"
#include "common/kept_buffer.h"
#include "common/log.h"

namespace sluice::api {

namespace {

// Serves a request whose body has been read into `body`.
using BodyHandler =
    std::function<void(const httplib::Request&, std::string_view body, httplib::Response&)>;

struct RouteEntry {
  std::string method;
  std::regex pattern;
  BodyHandler handler;
  RouteErrorAnswer on_error;  // may be empty
};

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  Metrics& metrics;
  Clock& clock;
  ConnectionServer server;  // the library's server over sluice's own connection reads
  int port = 0;
  int listen_fd = -1;  // the socket the last bind attempt created
  // The registered routes again, for requests dispatched before httplib reads a body.
  std::vector<RouteEntry> routes;
};

namespace {

// A method that may carry a body, sent with neither Content-Length nor Transfer-Encoding. The
// HTTP library would read such a body up to the end of the connection (a keep-alive client
// waits for the read timeout and gets 400); it is an empty body instead.
bool HasUndeclaredBody(const httplib::Request& req) {
  const std::string& m = req.method;
  if (m != "POST" && m != "PUT" && m != "PATCH" && m != "DELETE") return false;
  return !req.has_header("Content-Length") && !req.has_header("Transfer-Encoding");
}

// `curl -d` labels its body application/x-www-form-urlencoded. Every body of this API is JSON
// (or, on /otel, protobuf labelled as such), whatever its label, but the HTTP library would
// parse a form-labelled body as form fields (into the query parameters) and refuse one over
// 8 KiB with 413, and it reads a multipart body only into parts. Such a request is relabelled
// as JSON before the library reads its body (the request object is the library's own).
void ReadFormBodiesAsJson(const httplib::Request& req) {
  auto& headers = const_cast<httplib::Headers&>(req.headers);
  auto [first, last] = headers.equal_range("Content-Type");  // the map ignores case
  for (auto it = first; it != last; ++it) {
    if (it->second.rfind("application/x-www-form-urlencoded", 0) == 0 ||
        it->second.rfind("multipart/form-data", 0) == 0) {
      it->second = "application/json";
    }
  }
}

// Serves a request with an empty body through the matching route (404 when none matches).
httplib::Server::HandlerResponse DispatchWithoutBody(const std::vector<RouteEntry>& routes,
                                                     const httplib::Request& req,
                                                     httplib::Response& res) {
  httplib::Request copy = req;
  for (const auto& route : routes) {
    if (route.method != copy.method) continue;
    if (!std::regex_match(copy.path, copy.matches, route.pattern)) continue;
    route.handler(copy, std::string_view(), res);
    return httplib::Server::HandlerResponse::Handled;
  }
  res.status = 404;
  res.set_content(ErrorBody(NotFoundError("no route for " + req.method + " " + req.path)),
                  "application/json");
  return httplib::Server::HandlerResponse::Handled;
}

ApiRequest ToApiRequest(const httplib::Request& req, std::string_view body) {
  ApiRequest r;
  r.method = req.method;
  r.path = req.path;
  for (size_t i = 1; i < req.matches.size(); ++i) r.path_params.push_back(req.matches[i].str());
  for (const auto& [k, v] : req.params) r.query.emplace(k, v);
  r.body = body;
  r.authorization = req.get_header_value("Authorization");
  for (const auto& [k, v] : req.headers) {
    std::string name = k;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace(std::move(name), v);
  }
  return r;
}

// Moves the body into the response (the HTTP library's set_content copies it: a query's rows
// can be tens of MB).
void WriteResponse(ApiResponse&& api, httplib::Response& res) {
  res.status = api.status;
  for (const auto& [k, v] : api.headers) res.set_header(k, v);
  res.headers.erase("Content-Type");
  res.set_header("Content-Type", api.content_type);
  res.body = std::move(api.body);
}

// Reads the body through the HTTP library, which undoes a gzip, deflate or br Content-Encoding
// and chunked transfer, holding what it yields to `max_bytes`: the library itself checks only
// the Content-Length sent, so a small compressed or chunked body could otherwise grow without
// bound. On failure answers 413 (too large) or 400 and closes the connection, whose unread rest
// cannot be told from the next request.
bool ReadBody(const httplib::Request& req, const httplib::ContentReader& reader, size_t max_bytes,
              const RouteErrorAnswer& on_error, std::string* body, httplib::Response& res) {
  const uint64_t declared = req.get_header_value<uint64_t>("Content-Length");
  if (declared <= max_bytes) body->reserve(declared);
  bool too_large = false;
  const bool ok = reader([&](const char* data, size_t n) {
    if (n > max_bytes - body->size()) {
      too_large = true;
      return false;
    }
    body->append(data, n);
    return true;
  });
  if (ok) return true;
  const Status s = too_large || res.status == 413
                       ? Status(StatusCode::kResourceExhausted, "request body too large")
                       : InvalidArgumentError("the request body could not be read");
  res.status = too_large || res.status == 413 ? 413 : 400;
  if (on_error) {
    WriteResponse(on_error(s, res.status, ToApiRequest(req, {})), res);
  } else {
    res.set_content(ErrorBody(s), "application/json");
  }
  CloseConnectionAfter(res);
  return false;
}

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, Metrics& metrics, Clock& clock)
    : impl_(new Impl{std::move(options), metrics, clock, {}, 0, -1, {}}) {
  impl_->server.set_payload_max_length(impl_->options.max_body_bytes);
  impl_->server.set_keep_alive_timeout(impl_->options.keep_alive_timeout_seconds);
  // A busy client keeps its connection (and so its worker thread and that thread's allocator
  // arena) instead of reconnecting every few requests.
  impl_->server.set_keep_alive_max_count(1000);
  const size_t workers = static_cast<size_t>(std::max(1, impl_->options.worker_threads));
  impl_->server.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  Impl* impl = impl_.get();
  impl_->server.set_pre_routing_handler(
      [impl](const httplib::Request& req, httplib::Response& res) {
        ReadFormBodiesAsJson(req);
        if (!HasUndeclaredBody(req)) return httplib::Server::HandlerResponse::Unhandled;
        return DispatchWithoutBody(impl->routes, req, res);
      });
  // Errors httplib produces itself (413, 404 for unknown routes, 400 for bad requests) get the
  // same JSON error body as everything else.
  impl_->server.set_error_handler([impl](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // a route's own answer
    // After a body too large to read, or a request the library could not parse, what follows
    // on the connection cannot be told from a next request.
    if (res.status == 413 || res.status == 400) CloseConnectionAfter(res);
    Status s;
    switch (res.status) {
      case 413:
        s = Status(StatusCode::kResourceExhausted, "request body too large");
        for (const RouteEntry& route : impl->routes) {
          std::smatch m;
          if (route.on_error && route.method == req.method &&
              std::regex_match(req.path, m, route.pattern)) {
            WriteResponse(route.on_error(s, 413, ToApiRequest(req, {})), res);
            return;
          }
        }
        res.set_content(ErrorBody(s), "application/json");
        return;
      case 404: s = NotFoundError("no route for " + req.method + " " + req.path); break;
      default: s = InvalidArgumentError("malformed HTTP request"); break;
    }
    res.set_content(ErrorBody(s), "application/json");
  });
  // The library adds its Keep-Alive header before this runs, also to an answer that closes the
  // connection (CloseConnectionAfter): such an answer says only that it closes.
  impl_->server.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.get_header_value("Connection") == "close") res.headers.erase("Keep-Alive");
  });
  impl_->server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content(ErrorBody(InternalError("internal error")), "application/json");
      });
}

HttpServer::~HttpServer() = default;

void HttpServer::Route(const std::string& method, const std::string& pattern,
                       const std::string& name, RouteHandler handler, RouteErrorAnswer on_error) {
  Impl* impl = impl_.get();
  auto serve = [impl, name, handler = std::move(handler)](
                   const httplib::Request& req, std::string_view body, httplib::Response& res) {
    const int64_t start = impl->clock.MonotonicMicros();
    ApiResponse api;
    try {
      Result<ApiResponse> r = handler(ToApiRequest(req, body));
      if (r.ok()) {
        api = std::move(r).value();
      } else {
        api = ErrorResponse(r.status());
        if (api.status >= 500) {
          SLUICE_LOG_ERROR("{} {} failed: {}", req.method, req.path, r.status().ToString());
        }
      }
    } catch (const std::exception& e) {
      SLUICE_LOG_ERROR("{} {} threw: {}", req.method, req.path, e.what());
      api = ErrorResponse(InternalError("internal error"));
    }
    const int status = api.status;
    WriteResponse(std::move(api), res);
    impl->metrics.RecordRequest(name, req.method, status,
                                (impl->clock.MonotonicMicros() - start) / 1e6);
  };
  impl_->routes.push_back({method, std::regex(pattern), serve, on_error});
  auto plain = [serve](const httplib::Request& req, httplib::Response& res) {
    serve(req, req.body, res);
  };
  auto reading = [impl, serve, on_error](const httplib::Request& req, httplib::Response& res,
                                         const httplib::ContentReader& reader) {
    // A request thread reads each body into the buffer of its previous one, unless that grew
    // past kKeptBufferBytes: a fresh buffer of a body's size (a megabyte for 512 spans) was
    // faulted in page by page on every request. Handlers only borrow the body for their call.
    thread_local std::string body;
    struct GiveBackLarge {  // also when the handler throws
      ~GiveBackLarge() { GiveBackIfLarge(body); }
    } give_back;
    body.clear();
    if (ReadBody(req, reader, impl->options.max_body_bytes, on_error, &body, res)) {
      serve(req, body, res);
    }
  };
  // Methods with a body are read through a content reader (ReadBody); the plain handler serves
  // such a request only if the library decides it has no body.
  if (method == "GET") {
    impl_->server.Get(pattern, plain);
  } else if (method == "POST") {
    impl_->server.Post(pattern, plain).Post(pattern, reading);
  } else if (method == "PUT") {
    impl_->server.Put(pattern, plain).Put(pattern, reading);
  } else if (method == "PATCH") {
    impl_->server.Patch(pattern, plain).Patch(pattern, reading);
  } else if (method == "DELETE") {
    impl_->server.Delete(pattern, plain).Delete(pattern, reading);
  }
}

// The accept queue of the listening socket. The HTTP library (a shared library here) listens
// with a backlog of 5: a burst of new connections overflowed it, the kernel dropped their SYNs
// and clients waited a second to retry (seen as 1.1 s insert latencies in the ingest bench).
constexpr int kListenBacklog = 1024;

Result<int> HttpServer::Bind() {
  impl_->server.set_socket_options([impl = impl_.get()](int sock) {
    // SO_REUSEADDR only: a restart binds at once over connections still in TIME_WAIT. The
    // library's default also sets SO_REUSEPORT, with which a second server on the same port
    // starts without error and the kernel splits the connections between the two.
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    impl->listen_fd = sock;
  });
  // TCP_NODELAY (set by the library on the listening socket, inherited by the accepted ones):
  // the library sends a response's head and body in two writes, and with Nagle's algorithm the
  // body waited for the client's delayed ACK of the head, 40 ms per request on a kept-alive
  // connection. 100-span requests over 8 connections were held to 17k spans/s with the server
  // half idle.
  impl_->server.set_tcp_nodelay(true);
  if (impl_->options.port == 0) {
    impl_->port = impl_->server.bind_to_any_port(impl_->options.host);
    if (impl_->port <= 0) return UnavailableError("cannot bind " + impl_->options.host);
  } else {
    if (!impl_->server.bind_to_port(impl_->options.host, impl_->options.port)) {
      return UnavailableError("cannot listen on " + impl_->options.host + ":" +
                              std::to_string(impl_->options.port) +
                              " (address in use or not available)");
    }
    impl_->port = impl_->options.port;
  }
  // Listening again on a listening socket only sets its backlog (the kernel caps it at
  // net.core.somaxconn).
  if (::listen(impl_->listen_fd, kListenBacklog) != 0) {
    SLUICE_LOG_WARN("cannot raise the listen backlog to {}: {}", kListenBacklog,
                    std::strerror(errno));
  }
  return impl_->port;
}

Status HttpServer::Serve() {
  if (!impl_->server.listen_after_bind()) {
    return UnavailableError("the HTTP server stopped unexpectedly");
  }
  return Status();
}

void HttpServer::Stop() { impl_->server.stop(); }

}  // namespace sluice::api
