#include "cloud/s3/multipart_upload.h"

#include <algorithm>

namespace sluice::cloud {

int64_t EffectivePartSize(const MultipartOptions& options) {
  return std::clamp(options.part_size_bytes, options.min_part_size_bytes,
                    options.max_part_size_bytes);
}

int64_t PartCount(int64_t total_bytes, int64_t part_size_bytes) {
  if (total_bytes <= 0) return 1;
  return (total_bytes + part_size_bytes - 1) / part_size_bytes;
}

MultipartWriter::MultipartWriter(MultipartTarget& target, std::string key, MultipartOptions options)
    : target_(target),
      key_(std::move(key)),
      part_size_(EffectivePartSize(options)),
      threshold_(std::max(options.threshold_bytes, part_size_)),
      max_parts_(options.max_parts) {}

MultipartWriter::~MultipartWriter() {
  if (!done_) Abort().IgnoreError();
}

Status MultipartWriter::Fail(Status status) {
  Abort().IgnoreError();
  return status;
}

Status MultipartWriter::UploadOnePart(std::string_view bytes) {
  const int part_number = static_cast<int>(parts_.size()) + 1;
  if (part_number > max_parts_) {
    return OutOfRangeError("object " + key_ + " needs more than " + std::to_string(max_parts_) +
                           " parts of " + std::to_string(part_size_) +
                           " bytes; raise part_size_bytes");
  }
  auto etag = target_.UploadPart(key_, upload_id_, part_number, bytes);
  if (!etag.ok()) {
    return etag.status().WithContext("UploadPart " + std::to_string(part_number) + " of " + key_);
  }
  parts_.push_back({part_number, std::move(etag).value()});
  return Status();
}

Status MultipartWriter::UploadFullParts() {
  size_t offset = 0;
  while (buffer_.size() - offset >= static_cast<size_t>(part_size_)) {
    SLUICE_RETURN_IF_ERROR(
        UploadOnePart(std::string_view(buffer_).substr(offset, static_cast<size_t>(part_size_))));
    offset += static_cast<size_t>(part_size_);
  }
  buffer_.erase(0, offset);
  return Status();
}

Status MultipartWriter::Write(std::string_view chunk) {
  if (done_) return FailedPreconditionError("write to a finished or aborted object writer");
  buffer_.append(chunk);
  total_bytes_ += static_cast<int64_t>(chunk.size());
  if (upload_id_.empty()) {
    if (static_cast<int64_t>(buffer_.size()) <= threshold_) return Status();
    auto id = target_.CreateMultipartUpload(key_);
    if (!id.ok()) return Fail(id.status().WithContext("CreateMultipartUpload " + key_));
    upload_id_ = std::move(id).value();
  }
  Status s = UploadFullParts();
  return s.ok() ? s : Fail(std::move(s));
}

Result<ObjectInfo> MultipartWriter::Finish() {
  if (done_) return FailedPreconditionError("object writer already finished or aborted");
  if (upload_id_.empty()) {
    Status s = target_.PutObject(key_, buffer_);
    done_ = true;
    if (!s.ok()) return s;
    return ObjectInfo{key_, total_bytes_, "", 0};
  }
  if (!buffer_.empty() || parts_.empty()) {
    Status s = UploadOnePart(buffer_);
    if (!s.ok()) return Fail(std::move(s));
  }
  auto info = target_.CompleteMultipartUpload(key_, upload_id_, parts_);
  if (!info.ok()) return Fail(info.status().WithContext("CompleteMultipartUpload " + key_));
  done_ = true;
  buffer_.clear();
  info->size_bytes = total_bytes_;
  return info;
}

Status MultipartWriter::Abort() {
  if (done_) return Status();
  done_ = true;
  buffer_.clear();
  if (upload_id_.empty()) return Status();
  return target_.AbortMultipartUpload(key_, upload_id_);
}

}  // namespace sluice::cloud
