// OutputSink: where a file writer's bytes go, in order. Implementations: an in-memory buffer
// and a local file here; object store uploads adapt this interface elsewhere.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sluice::format {

// Not thread-safe: one writer appends at a time.
class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // Appends bytes. An error is final: the file is incomplete and must be discarded.
  virtual Status Append(std::string_view bytes) = 0;
  // Appends `*bytes` like Append, but may take its storage instead of copying it. Afterwards
  // `*bytes` is empty (it may hold another buffer's capacity for reuse).
  virtual Status AppendOwned(std::string* bytes) {
    Status s = Append(*bytes);
    bytes->clear();
    return s;
  }
  // Flushes and completes the file; Append must not be called afterwards.
  virtual Status Close() = 0;
};

// Collects everything in memory; `data()` is complete after Close().
class MemorySink : public OutputSink {
 public:
  Status Append(std::string_view bytes) override;
  Status Close() override;

  const std::string& data() const { return data_; }
  bool closed() const { return closed_; }

 private:
  std::string data_;
  bool closed_ = false;
};

// Creates (truncating) a local file. Errors: kUnavailable/kPermissionDenied/kNotFound from the
// operating system's error, with the path in the message.
Result<std::unique_ptr<OutputSink>> OpenFileSink(const std::string& path);

}  // namespace sluice::format
