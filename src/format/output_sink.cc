#include "format/output_sink.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sluice::format {
namespace {

Status ErrnoStatus(int err, const std::string& what) {
  std::string message = what + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
    case ENOTDIR: return NotFoundError(std::move(message));
    case EACCES:
    case EPERM:
    case EROFS: return PermissionDeniedError(std::move(message));
    case ENOSPC:
    case EDQUOT: return ResourceExhaustedError(std::move(message));
    default: return UnavailableError(std::move(message));
  }
}

// Buffered by stdio; closes the file on destruction if Close() was not called.
class FileSink : public OutputSink {
 public:
  FileSink(std::FILE* file, std::string path) : file_(file), path_(std::move(path)) {}
  ~FileSink() override {
    if (file_ != nullptr) std::fclose(file_);
  }

  Status Append(std::string_view bytes) override {
    if (file_ == nullptr) return FailedPreconditionError("append to closed file " + path_);
    if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
      return ErrnoStatus(errno, "write " + path_);
    }
    return Status::Ok();
  }

  Status Close() override {
    if (file_ == nullptr) return Status::Ok();
    std::FILE* f = file_;
    file_ = nullptr;
    if (std::fclose(f) != 0) return ErrnoStatus(errno, "close " + path_);
    return Status::Ok();
  }

 private:
  std::FILE* file_;
  std::string path_;
};

}  // namespace

Status MemorySink::Append(std::string_view bytes) {
  if (closed_) return FailedPreconditionError("append to closed memory sink");
  data_.append(bytes);
  return Status::Ok();
}

Status MemorySink::Close() {
  closed_ = true;
  return Status::Ok();
}

Result<std::unique_ptr<OutputSink>> OpenFileSink(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return ErrnoStatus(errno, "open " + path);
  std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
  return std::unique_ptr<OutputSink>(std::make_unique<FileSink>(f, path));
}

}  // namespace sluice::format
