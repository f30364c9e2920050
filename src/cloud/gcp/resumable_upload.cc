#include "cloud/gcp/resumable_upload.h"

#include <algorithm>

#include "common/base64.h"

namespace sluice::cloud {

ResumableWriter::ResumableWriter(ResumableTarget& target, RetryPolicy& retry, std::string key,
                                 std::string describe, ResumableOptions options)
    : target_(target),
      retry_(retry),
      key_(std::move(key)),
      describe_(std::move(describe)),
      threshold_(options.threshold_bytes),
      chunk_size_(std::max(
          kResumableChunkQuantumBytes,
          options.chunk_size_bytes / kResumableChunkQuantumBytes * kResumableChunkQuantumBytes)) {}

ResumableWriter::~ResumableWriter() {
  if (!done_) Abort().IgnoreError();
}

Status ResumableWriter::Fail(Status status) {
  Abort().IgnoreError();
  return status;
}

Result<SessionState> ResumableWriter::SendBuffered(size_t n, bool last) {
  const int64_t chunk_start = sent_;
  const int64_t chunk_end = sent_ + static_cast<int64_t>(n);
  SessionState result;
  bool ask_first = false;
  Status st = retry_.Run([&]() -> Status {
    int64_t from = sent_;
    if (ask_first) {
      SLUICE_ASSIGN_OR_RETURN(SessionState q, target_.QuerySession(session_));
      if (q.complete) {
        if (!last) return DataLossError("the upload session of " + describe_ + " ended early");
        result = std::move(q);
        return Status();
      }
      from = q.persisted_bytes;
    }
    if (from < chunk_start || from > chunk_end) {
      return DataLossError("the upload session of " + describe_ + " holds " + std::to_string(from) +
                           " bytes, outside the chunk being sent");
    }
    const std::string_view rest = std::string_view(buffer_).substr(
        static_cast<size_t>(from - chunk_start), static_cast<size_t>(chunk_end - from));
    auto answer = target_.SendChunk(session_, from, rest, last ? total_ : -1);
    ask_first = true;  // after any failure, resume from what the session holds
    if (!answer.ok()) return answer.status();
    if (last) {
      if (!answer->complete) return UnavailableError("the last chunk was not taken whole");
    } else if (answer->complete || answer->persisted_bytes != chunk_end) {
      // The service kept less than was sent: ask again and send the rest.
      return UnavailableError("the upload session of " + describe_ + " kept " +
                              std::to_string(answer->persisted_bytes) + " of " +
                              std::to_string(chunk_end) + " bytes");
    }
    result = std::move(answer).value();
    return Status();
  });
  if (!st.ok()) return st;
  sent_ = chunk_end;
  return result;
}

Status ResumableWriter::Write(std::string_view chunk) {
  if (done_) return FailedPreconditionError("write to a finished or aborted object writer");
  buffer_.append(chunk);
  md5_.Update(chunk);
  total_ += static_cast<int64_t>(chunk.size());
  if (session_.empty()) {
    if (static_cast<int64_t>(buffer_.size()) <= threshold_) return Status();
    auto session = target_.StartSession(key_);
    if (!session.ok()) return Fail(session.status());
    session_ = std::move(session).value();
  }
  while (buffer_.size() >= static_cast<size_t>(chunk_size_)) {
    auto sent = SendBuffered(static_cast<size_t>(chunk_size_), false);
    if (!sent.ok()) return Fail(sent.status().WithContext("uploading " + describe_));
    buffer_.erase(0, static_cast<size_t>(chunk_size_));
  }
  return Status();
}

Result<ObjectInfo> ResumableWriter::Verify(const SessionState& state) {
  const std::string md5 = Base64Encode(AsStringView(md5_.Finish()));
  if (!state.md5_base64.empty() && state.md5_base64 != md5) {
    return DataLossError(describe_ + " was stored with MD5 " + state.md5_base64 + ", sent " + md5);
  }
  ObjectInfo info = state.object;
  info.key = key_;
  info.size_bytes = total_;
  return info;
}

Result<ObjectInfo> ResumableWriter::Finish() {
  if (done_) return FailedPreconditionError("object writer already finished or aborted");
  Result<SessionState> state =
      session_.empty() ? target_.UploadWhole(key_, buffer_) : SendBuffered(buffer_.size(), true);
  if (!state.ok()) return Fail(state.status());
  done_ = true;
  buffer_.clear();
  return Verify(*state);
}

Status ResumableWriter::Abort() {
  if (done_) return Status();
  done_ = true;
  buffer_.clear();
  if (session_.empty()) return Status();
  return target_.CancelSession(session_);
}

}  // namespace sluice::cloud
