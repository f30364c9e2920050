// FakeHttpClient: an HttpClient that answers from a script of handlers and records every
// request, for deterministic tests of the cloud clients. Thread-safe.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "cloud/http/http_client.h"

namespace sluice::cloud::testing {

struct RecordedRequest {
  std::string method;
  std::string url;
  HttpHeaders headers;
  std::string body;  // streamed bodies are read out in full
  int64_t timeout_ms = 0;
};

class FakeHttpClient final : public HttpClient {
 public:
  using Handler = std::function<Result<HttpResponse>(const RecordedRequest&)>;

  // Queues one answer; when the queue is empty the fallback answers (default: 404).
  void Enqueue(Handler h) {
    std::lock_guard<std::mutex> l(mu_);
    queue_.push_back(std::move(h));
  }
  void Enqueue(int status, std::string body = "", HttpHeaders headers = {}) {
    Enqueue([=](const RecordedRequest&) -> Result<HttpResponse> {
      return HttpResponse{status, headers, body};
    });
  }
  void EnqueueError(Status s) {
    Enqueue([s](const RecordedRequest&) -> Result<HttpResponse> { return s; });
  }
  void SetFallback(Handler h) {
    std::lock_guard<std::mutex> l(mu_);
    fallback_ = std::move(h);
  }

  Result<HttpResponse> Send(const HttpRequest& request) override {
    return SendWithTimeout(request, 0);
  }
  Result<HttpResponse> SendWithTimeout(const HttpRequest& request, int64_t timeout_ms) override {
    RecordedRequest r{request.method, request.url, request.headers, request.body, timeout_ms};
    if (request.body_reader) {
      r.body.clear();
      char buf[65536];
      size_t n;
      while ((n = request.body_reader(buf, sizeof(buf))) > 0) r.body.append(buf, n);
    }
    Handler h;
    {
      std::lock_guard<std::mutex> l(mu_);
      requests_.push_back(r);
      if (!queue_.empty()) {
        h = std::move(queue_.front());
        queue_.pop_front();
      } else {
        h = fallback_;
      }
    }
    if (!h) return HttpResponse{404, {}, ""};
    return h(r);
  }

  std::vector<RecordedRequest> requests() const {
    std::lock_guard<std::mutex> l(mu_);
    return requests_;
  }
  size_t calls() const {
    std::lock_guard<std::mutex> l(mu_);
    return requests_.size();
  }

 private:
  mutable std::mutex mu_;
  std::deque<Handler> queue_;
  Handler fallback_;
  std::vector<RecordedRequest> requests_;
};

}  // namespace sluice::cloud::testing
