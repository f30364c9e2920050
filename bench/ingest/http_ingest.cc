#include "bench/ingest/http_ingest.h"

#include <curl/curl.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "common/json.h"

namespace sluice::bench {

namespace {

size_t AppendBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct HeadersDeleter {
  void operator()(curl_slist* h) const { curl_slist_free_all(h); }
};

// Why the server's answer does not accept `expected` rows; empty when it does.
std::string CheckAnswer(bool otlp, long code, const std::string& body, uint64_t expected) {
  if (code != 200) return "HTTP " + std::to_string(code) + ": " + body.substr(0, 300);
  // An ExportTraceServiceResponse without partial_success is empty.
  if (otlp) return body.empty() ? std::string() : "partial success: " + body.substr(0, 300);
  auto json = Json::Parse(body);
  const Json* ids = json.ok() ? json->Find("row_ids") : nullptr;
  if (ids == nullptr || !ids->is_array()) return "no row_ids in: " + body.substr(0, 300);
  if (ids->array().size() != expected) {
    return std::to_string(ids->array().size()) + " row ids for " + std::to_string(expected) +
           " spans";
  }
  return std::string();
}

// Posts batches taken from `next` until none are left; one connection.
class Poster {
 public:
  Poster(const HttpIngestOptions& options, const std::vector<Batch>& batches,
         std::atomic<size_t>& next)
      : batches_(batches), next_(next), otlp_(options.otlp), curl_(curl_easy_init()) {
    url_ = options.logs3  ? options.url + "/logs3"
           : options.otlp ? options.url + "/otel/v1/traces"
                          : options.url + "/v1/project_logs/" + options.project_id + "/insert";
    curl_slist* h =
        curl_slist_append(nullptr, ("Authorization: Bearer " + options.api_key).c_str());
    if (options.otlp) {
      h = curl_slist_append(h, "Content-Type: application/x-protobuf");
      h = curl_slist_append(h, ("x-bt-parent: project_id:" + options.project_id).c_str());
    } else {
      h = curl_slist_append(h, "Content-Type: application/json");
    }
    // No "Expect: 100-continue" round trip before each body, as most HTTP clients send it.
    h = curl_slist_append(h, "Expect:");
    headers_.reset(h);
  }

  void Run() {
    CURL* c = curl_.get();
    curl_easy_setopt(c, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers_.get());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &AppendBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &response_);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
    for (size_t i = next_++; i < batches_.size(); i = next_++) Post(batches_[i]);
  }

  const IngestFigures& figures() const { return figures_; }

 private:
  void Post(const Batch& batch) {
    CURL* c = curl_.get();
    response_.clear();
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, batch.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(batch.body.size()));
    const int64_t t0 = RealClock().MonotonicMicros();
    const CURLcode rc = curl_easy_perform(c);
    figures_.batch_millis.push_back(static_cast<double>(RealClock().MonotonicMicros() - t0) / 1e3);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    const std::string problem = rc != CURLE_OK ? std::string("curl: ") + curl_easy_strerror(rc)
                                               : CheckAnswer(otlp_, code, response_, batch.spans);
    if (!problem.empty()) {
      if (figures_.failed_batches++ == 0) figures_.first_error = problem;
      return;
    }
    figures_.spans += batch.spans;
    figures_.bytes += batch.body.size();
  }

  const std::vector<Batch>& batches_;
  std::atomic<size_t>& next_;
  bool otlp_;
  std::unique_ptr<CURL, CurlDeleter> curl_;
  std::unique_ptr<curl_slist, HeadersDeleter> headers_;
  std::string url_;
  std::string response_;
  IngestFigures figures_;
};

}  // namespace

IngestFigures PostBatches(const HttpIngestOptions& options, const std::vector<Batch>& batches) {
  std::atomic<size_t> next{0};
  std::vector<std::unique_ptr<Poster>> posters;
  for (int i = 0; i < options.connections; ++i) {
    posters.push_back(std::make_unique<Poster>(options, batches, next));
  }
  const int64_t t0 = RealClock().MonotonicMicros();
  std::vector<std::thread> threads;
  for (auto& p : posters) threads.emplace_back([&p] { p->Run(); });
  for (auto& t : threads) t.join();
  IngestFigures total;
  total.seconds = static_cast<double>(RealClock().MonotonicMicros() - t0) / 1e6;
  for (const auto& p : posters) {
    const IngestFigures& f = p->figures();
    total.spans += f.spans;
    total.bytes += f.bytes;
    total.batch_millis.insert(total.batch_millis.end(), f.batch_millis.begin(),
                              f.batch_millis.end());
    if (total.failed_batches == 0 && f.failed_batches > 0) total.first_error = f.first_error;
    total.failed_batches += f.failed_batches;
  }
  return total;
}

}  // namespace sluice::bench
