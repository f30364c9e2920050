// MultipartWriter: an ObjectWriter that buffers chunks, stays a single PutObject below a
// threshold and switches to an S3 multipart upload (CreateMultipartUpload, UploadPart,
// CompleteMultipartUpload) above it, aborting the upload on any failure. Follows the S3 API's
// limits: parts of 5 MiB to 5 GiB except the last, at most kMaxMultipartParts parts.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cloud/object_store.h"

namespace sluice::cloud {

struct CompletedPart {
  int part_number = 0;
  std::string etag;
};

// The S3 calls a multipart upload is made of; S3Client implements it, tests fake it.
// Implementations are thread-safe and retry transient failures themselves.
class MultipartTarget {
 public:
  virtual ~MultipartTarget() = default;
  virtual Status PutObject(const std::string& key, std::string_view bytes) = 0;
  // Returns the upload id.
  virtual Result<std::string> CreateMultipartUpload(const std::string& key) = 0;
  // Returns the part's ETag.
  virtual Result<std::string> UploadPart(const std::string& key, const std::string& upload_id,
                                         int part_number, std::string_view bytes) = 0;
  virtual Result<ObjectInfo> CompleteMultipartUpload(const std::string& key,
                                                     const std::string& upload_id,
                                                     const std::vector<CompletedPart>& parts) = 0;
  virtual Status AbortMultipartUpload(const std::string& key, const std::string& upload_id) = 0;
};

struct MultipartOptions {
  // Objects larger than this are uploaded in parts; at least part_size_bytes.
  int64_t threshold_bytes = 16LL * 1024 * 1024;
  // Size of every part but the last; clamped to [min_part_size_bytes, max_part_size_bytes].
  int64_t part_size_bytes = 8LL * 1024 * 1024;
  // The service's limits: S3's by default.
  int64_t min_part_size_bytes = kMinPartSizeBytes;
  int64_t max_part_size_bytes = kMaxPartSizeBytes;
  int max_parts = kMaxMultipartParts;
};

// The part size `options` actually uses (clamped to its limits).
int64_t EffectivePartSize(const MultipartOptions& options);
// The number of parts an object of `total_bytes` needs at `part_size_bytes` (at least 1).
int64_t PartCount(int64_t total_bytes, int64_t part_size_bytes);

// Not thread-safe (one writer per object). `target` is borrowed and must outlive the writer.
class MultipartWriter final : public ObjectWriter {
 public:
  MultipartWriter(MultipartTarget& target, std::string key, MultipartOptions options);
  ~MultipartWriter() override;

  Status Write(std::string_view chunk) override;
  Result<ObjectInfo> Finish() override;
  Status Abort() override;

  // Number of parts uploaded so far (0 while still below the threshold).
  int parts_uploaded() const { return static_cast<int>(parts_.size()); }

 private:
  Status UploadFullParts();
  Status UploadOnePart(std::string_view bytes);
  Status Fail(Status status);

  MultipartTarget& target_;
  const std::string key_;
  const int64_t part_size_;
  const int64_t threshold_;
  const int max_parts_;
  std::string buffer_;
  std::string upload_id_;
  std::vector<CompletedPart> parts_;
  int64_t total_bytes_ = 0;
  bool done_ = false;
};

}  // namespace sluice::cloud
