// Metrics: counters and latency histograms exported as Prometheus text (`GET /metrics`,
// exposition format 0.0.4). Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace sluice::api {

class Metrics {
 public:
  // One finished HTTP request: its route template ("/v1/{object}/{id}/insert"), method, status
  // and duration.
  void RecordRequest(const std::string& route, const std::string& method, int status,
                     double seconds);
  void AddRowsInserted(const std::string& object_type, int64_t rows);
  // The whole registry in Prometheus text format.
  std::string Render() const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1,    2.5,   10};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::map<std::string, int64_t> rows_inserted_;
};

}  // namespace sluice::api
