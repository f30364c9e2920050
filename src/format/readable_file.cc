#include "format/readable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace sluice::format {
namespace {

Status ErrnoStatus(int err, const std::string& what) {
  std::string message = what + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
    case ENOTDIR: return NotFoundError(std::move(message));
    case EACCES:
    case EPERM: return PermissionDeniedError(std::move(message));
    default: return UnavailableError(std::move(message));
  }
}

Status CheckRange(int64_t offset, size_t length, int64_t size) {
  if (offset < 0 || offset > size || length > static_cast<uint64_t>(size - offset)) {
    return OutOfRangeError("read of " + std::to_string(length) + " bytes at " +
                           std::to_string(offset) + " outside a file of " + std::to_string(size));
  }
  return Status::Ok();
}

class MemoryFile : public ReadableFile {
 public:
  explicit MemoryFile(std::string bytes) : own_(std::move(bytes)), bytes_(own_) {}
  explicit MemoryFile(std::string_view bytes) : bytes_(bytes) {}
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  int64_t Size() const override { return static_cast<int64_t>(bytes_.size()); }
  Result<std::string_view> ReadAt(int64_t offset, size_t length, std::string*) override {
    SLUICE_RETURN_IF_ERROR(CheckRange(offset, length, Size()));
    return bytes_.substr(static_cast<size_t>(offset), length);
  }

 private:
  std::string own_;
  std::string_view bytes_;
};

class LocalFile : public ReadableFile {
 public:
  LocalFile(int fd, int64_t size, std::string path)
      : fd_(fd), size_(size), path_(std::move(path)) {}
  ~LocalFile() override { ::close(fd_); }

  int64_t Size() const override { return size_; }
  Result<std::string_view> ReadAt(int64_t offset, size_t length, std::string* scratch) override {
    SLUICE_RETURN_IF_ERROR(CheckRange(offset, length, size_));
    // Never shrunk, so that reading window after window does not fill it with zeros again.
    if (scratch->size() < length) scratch->resize(length);
    size_t done = 0;
    while (done < length) {
      const ssize_t n = ::pread(fd_, scratch->data() + done, length - done,
                                static_cast<off_t>(offset + static_cast<int64_t>(done)));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoStatus(errno, "read " + path_);
      if (n == 0) return DataLossError(path_ + " ended at byte " + std::to_string(offset + done));
      done += static_cast<size_t>(n);
    }
    return std::string_view(scratch->data(), length);
  }

 private:
  int fd_;
  int64_t size_;
  std::string path_;
};

}  // namespace

std::unique_ptr<ReadableFile> NewMemoryFile(std::string bytes) {
  return std::make_unique<MemoryFile>(std::move(bytes));
}

std::unique_ptr<ReadableFile> NewBorrowedMemoryFile(std::string_view bytes) {
  return std::make_unique<MemoryFile>(bytes);
}

Result<std::unique_ptr<ReadableFile>> OpenLocalFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open " + path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoStatus(err, "stat " + path);
  }
  return std::unique_ptr<ReadableFile>(
      std::make_unique<LocalFile>(fd, static_cast<int64_t>(st.st_size), path));
}

}  // namespace sluice::format
