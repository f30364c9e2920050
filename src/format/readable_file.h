// ReadableFile: random access to a file's bytes for the file readers, so that a large file is
// read piece by piece (a Parquet file row group by row group) instead of whole. Implementations:
// bytes in memory and a local file here; object store reads adapt this interface elsewhere.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sluice::format {

// Implementations here are thread-compatible: concurrent ReadAt calls with different scratch
// strings are safe.
class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  // The file's size in bytes, fixed when it was opened.
  virtual int64_t Size() const = 0;
  // Returns bytes [offset, offset + length), either a view of the file's own memory or of
  // `*scratch` (which it overwrites, and may leave longer than `length`); the view is valid until
  // `*scratch` changes or the file is destroyed. kOutOfRange when the range is not inside [0,
  // Size()); kDataLoss when the file ends early; kUnavailable, kPermissionDenied, … from the
  // operating system.
  virtual Result<std::string_view> ReadAt(int64_t offset, size_t length, std::string* scratch) = 0;
};

// A file made of `bytes`, which it owns.
std::unique_ptr<ReadableFile> NewMemoryFile(std::string bytes);
// A file made of borrowed bytes, which must outlive it.
std::unique_ptr<ReadableFile> NewBorrowedMemoryFile(std::string_view bytes);
// Opens a local file for reading. kNotFound, kPermissionDenied or kUnavailable from the
// operating system's error, with the path in the message.
Result<std::unique_ptr<ReadableFile>> OpenLocalFile(const std::string& path);

}  // namespace sluice::format
