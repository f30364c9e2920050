#include "bench/ingest/http_ingest.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string_view>
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

// Where each row id of a batch body starts: the first character of every `"id":"` value.
std::vector<size_t> IdOffsets(const std::string& body) {
  static constexpr std::string_view kKey = R"("id":")";
  std::vector<size_t> out;
  for (size_t at = body.find(kKey); at != std::string::npos; at = body.find(kKey, at + 1)) {
    out.push_back(at + kKey.size());
  }
  return out;
}

// Counts accepted spans across connections and closes a window every `window_spans`.
class WindowClock {
 public:
  WindowClock(uint64_t window_spans, int64_t server_pid)
      : window_spans_(window_spans), server_pid_(server_pid) {}

  void Start() {
    window_start_ = RealClock().MonotonicMicros();
    if (server_pid_ > 0) cpu_start_ = ProcCpuTimes(server_pid_);
  }

  void Accepted(uint64_t spans) {
    if (window_spans_ == 0) return;
    std::lock_guard<std::mutex> lock(mu_);
    accepted_ += spans;
    if (accepted_ < next_boundary_) return;
    const int64_t now = RealClock().MonotonicMicros();
    const CpuTimes cpu = server_pid_ > 0 ? ProcCpuTimes(server_pid_) : CpuTimes{};
    WindowFigures w;
    w.stored_after = accepted_;
    w.seconds = static_cast<double>(now - window_start_) / 1e6;
    if (cpu.total >= 0 && cpu_start_.total >= 0) {
      w.server_cpu_seconds = cpu.total - cpu_start_.total;
      w.server_system_cpu_seconds = cpu.system - cpu_start_.system;
    }
    PrintWindow(w, windows_.empty() ? 0 : windows_.back().stored_after);
    windows_.push_back(w);
    window_start_ = now;
    cpu_start_ = cpu;
    while (next_boundary_ <= accepted_) next_boundary_ += window_spans_;
  }

  std::vector<WindowFigures> Take() { return std::move(windows_); }

 private:
  const uint64_t window_spans_;
  const int64_t server_pid_;
  std::mutex mu_;
  uint64_t accepted_ = 0;
  uint64_t next_boundary_ = window_spans_;
  int64_t window_start_ = 0;
  CpuTimes cpu_start_;
  std::vector<WindowFigures> windows_;
};

// Posts batches taken from `next` until none are left; one connection. With total_spans, the
// n-th post sends batch n % batches with the round number n / batches written over the first
// 8 characters of every row id, so that no two posts share an id.
class Poster {
 public:
  Poster(const HttpIngestOptions& options, const std::vector<Batch>& batches,
         const std::vector<std::vector<size_t>>& id_offsets, std::atomic<size_t>& next,
         size_t posts, WindowClock& windows)
      : batches_(batches),
        id_offsets_(id_offsets),
        next_(next),
        posts_(posts),
        windows_(windows),
        otlp_(options.otlp),
        curl_(curl_easy_init()) {
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
    for (size_t i = next_++; i < posts_; i = next_++) {
      const size_t round = i / batches_.size();
      const Batch& batch = batches_[i % batches_.size()];
      if (round == 0) {
        Post(batch.body, batch.spans);
        continue;
      }
      body_ = batch.body;
      char hex[17];
      std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(round));
      for (size_t at : id_offsets_[i % batches_.size()]) body_.replace(at, 8, hex, 8);
      Post(body_, batch.spans);
    }
  }

  const IngestFigures& figures() const { return figures_; }

 private:
  void Post(const std::string& body, uint64_t spans) {
    CURL* c = curl_.get();
    response_.clear();
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    const int64_t t0 = RealClock().MonotonicMicros();
    const CURLcode rc = curl_easy_perform(c);
    figures_.batch_millis.push_back(static_cast<double>(RealClock().MonotonicMicros() - t0) / 1e3);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    const std::string problem = rc != CURLE_OK ? std::string("curl: ") + curl_easy_strerror(rc)
                                               : CheckAnswer(otlp_, code, response_, spans);
    if (!problem.empty()) {
      if (figures_.failed_batches++ == 0) figures_.first_error = problem;
      return;
    }
    figures_.spans += spans;
    figures_.bytes += body.size();
    windows_.Accepted(spans);
  }

  const std::vector<Batch>& batches_;
  const std::vector<std::vector<size_t>>& id_offsets_;
  std::atomic<size_t>& next_;
  const size_t posts_;
  WindowClock& windows_;
  std::string body_;  // a later round's copy of a batch
  bool otlp_;
  std::unique_ptr<CURL, CurlDeleter> curl_;
  std::unique_ptr<curl_slist, HeadersDeleter> headers_;
  std::string url_;
  std::string response_;
  IngestFigures figures_;
};

}  // namespace

void PrintWindow(const WindowFigures& w, uint64_t stored_before) {
  const double spans = static_cast<double>(w.stored_after - stored_before);
  std::printf(
      "window %9llu..%-9llu stored  %8.0f spans/s", static_cast<unsigned long long>(stored_before),
      static_cast<unsigned long long>(w.stored_after), w.seconds > 0 ? spans / w.seconds : 0);
  if (w.server_cpu_seconds >= 0) {
    std::printf("  server CPU %.1f ms per 1,000 spans", w.server_cpu_seconds * 1e6 / spans);
    if (w.server_system_cpu_seconds >= 0 && w.server_cpu_seconds > 0) {
      std::printf(", kernel %.0f%%", 100 * w.server_system_cpu_seconds / w.server_cpu_seconds);
    }
  }
  std::printf("\n");
  std::fflush(stdout);
}

IngestFigures PostBatches(const HttpIngestOptions& options, const std::vector<Batch>& batches,
                          std::vector<WindowFigures>* windows) {
  std::atomic<size_t> next{0};
  size_t posts = batches.size();
  std::vector<std::vector<size_t>> id_offsets;
  if (options.total_spans > 0 && !batches.empty()) {
    uint64_t pool_spans = 0;
    for (const Batch& b : batches) {
      pool_spans += b.spans;
      id_offsets.push_back(IdOffsets(b.body));
      if (id_offsets.back().size() != b.spans) {
        // Later rounds would repost ids unchanged: rows replaced, not added.
        std::fprintf(stderr, "a batch of %llu spans has %zu row ids to rewrite: cannot repost it\n",
                     static_cast<unsigned long long>(b.spans), id_offsets.back().size());
        std::exit(1);
      }
    }
    // Whole rounds of the pool, so every round's ids stay distinct from the others'.
    posts =
        static_cast<size_t>((options.total_spans + pool_spans - 1) / pool_spans) * batches.size();
  }
  WindowClock clock(options.window_spans, options.server_pid);
  std::vector<std::unique_ptr<Poster>> posters;
  for (int i = 0; i < options.connections; ++i) {
    posters.push_back(std::make_unique<Poster>(options, batches, id_offsets, next, posts, clock));
  }
  clock.Start();
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
  if (windows != nullptr) *windows = clock.Take();
  return total;
}

}  // namespace sluice::bench
