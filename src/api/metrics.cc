#include "api/metrics.h"

#include <fmt/format.h>

namespace sluice::api {

void Metrics::RecordRequest(const std::string& route, const std::string& method, int status,
                            double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{route, method, status}];
  Histogram& h = latency_[route];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::AddRowsInserted(const std::string& object_type, int64_t rows) {
  std::lock_guard<std::mutex> lock(mu_);
  rows_inserted_[object_type] += rows;
}

std::string Metrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out += "# HELP sluice_http_requests_total HTTP requests served.\n";
  out += "# TYPE sluice_http_requests_total counter\n";
  for (const auto& [k, v] : requests_) {
    out += fmt::format("sluice_http_requests_total{{route=\"{}\",method=\"{}\",code=\"{}\"}} {}\n",
                       std::get<0>(k), std::get<1>(k), std::get<2>(k), v);
  }
  out += "# HELP sluice_http_request_duration_seconds HTTP request latency.\n";
  out += "# TYPE sluice_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out +=
          fmt::format("sluice_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                      route, kBuckets[i], h.counts[i]);
    }
    out +=
        fmt::format("sluice_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
                    route, h.count);
    out +=
        fmt::format("sluice_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route, h.sum);
    out += fmt::format("sluice_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route,
                       h.count);
  }
  out += "# HELP sluice_rows_inserted_total Rows written by insert requests.\n";
  out += "# TYPE sluice_rows_inserted_total counter\n";
  for (const auto& [type, n] : rows_inserted_) {
    out += fmt::format("sluice_rows_inserted_total{{object_type=\"{}\"}} {}\n", type, n);
  }
  return out;
}

}  // namespace sluice::api
