// CountingSink: passes bytes through to another sink and counts them, so writers can report
// the size of the file they produced (WriteStats::bytes).
#pragma once

#include <cstdint>

#include "format/output_sink.h"

namespace sluice::format {

// Not thread-safe. `inner` must outlive it.
class CountingSink : public OutputSink {
 public:
  explicit CountingSink(OutputSink& inner) : inner_(inner) {}

  Status Append(std::string_view bytes) override {
    SLUICE_RETURN_IF_ERROR(inner_.Append(bytes));
    bytes_ += static_cast<int64_t>(bytes.size());
    return Status::Ok();
  }
  Status AppendOwned(std::string* bytes) override {
    const auto n = static_cast<int64_t>(bytes->size());
    SLUICE_RETURN_IF_ERROR(inner_.AppendOwned(bytes));
    bytes_ += n;
    return Status::Ok();
  }
  Status Close() override { return inner_.Close(); }

  int64_t bytes() const { return bytes_; }

 private:
  OutputSink& inner_;
  int64_t bytes_ = 0;
};

}  // namespace sluice::format
