// ObjectStore: the abstract object storage that exports write to (S3 and compatible stores,
// Azure Blob Storage, Google Cloud Storage, a local directory). Keys are relative to the
// store's root (a bucket, a container, or a directory), use '/' as the separator, and are
// never empty.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace sluice::cloud {

// S3 limits: parts are at least 5 MiB (except the last), at most 5 GiB, at most 10,000.
inline constexpr int64_t kMinPartSizeBytes = 5LL * 1024 * 1024;
inline constexpr int64_t kMaxPartSizeBytes = 5LL * 1024 * 1024 * 1024;
inline constexpr int kMaxMultipartParts = 10'000;

// Why a storage call failed, finer than its StatusCode, carried as Status::reason() and set
// by each backend's error adapter from the service's typed error code (never from message
// text). Callers that explain failures (the probe, the export runner) read it with
// StorageErrorOf.
enum class StorageError : int {
  kNone = 0,
  kBucketNotFound,      // the bucket or container does not exist
  kObjectNotFound,      // no such object (or multipart upload, or upload session)
  kAccessDenied,        // the identity is known but lacks a permission
  kBadCredentials,      // a key, signature, SAS or token the service rejected
  kExpiredCredentials,  // temporary credentials or a token that ran out
  kThrottled,           // slow down: 429, SlowDown, ServerBusy
  kServiceError,        // the service failed (5xx)
  kPreconditionFailed,  // a condition of the request did not hold (412)
};

inline StorageError StorageErrorOf(const Status& s) {
  return static_cast<StorageError>(s.reason());
}
inline Status WithStorageError(const Status& s, StorageError e) {
  return s.WithReason(static_cast<int>(e));
}

struct ObjectInfo {
  std::string key;
  int64_t size_bytes = 0;
  std::string etag;
  TimestampMicros last_modified = 0;
};

struct ListPage {
  std::vector<ObjectInfo> objects;  // in key order
  // Pass to the next ListPage call; empty when this was the last page.
  std::string next_page_token;
};

// Writes one object from a stream of chunks. Nothing is visible under the key until Finish
// succeeds. Not thread-safe. Destroying an unfinished writer aborts it (best effort).
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  virtual Status Write(std::string_view chunk) = 0;
  // Makes the object visible. On error the upload has been aborted.
  virtual Result<ObjectInfo> Finish() = 0;
  // Discards what was written. Idempotent.
  virtual Status Abort() = 0;
};

// Thread-safe implementations only. Errors carry a StorageError reason where the service said
// why: kNotFound (no such key or bucket), kPermissionDenied (denied by policy),
// kUnauthenticated (bad or expired credentials), kUnavailable/kDeadlineExceeded (transient,
// already retried within the store's bounds), kInvalidArgument (bad key or request).
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  virtual Status Put(const std::string& key, std::string_view bytes) = 0;
  virtual Result<std::unique_ptr<ObjectWriter>> NewWriter(const std::string& key) = 0;
  virtual Result<std::string> Get(const std::string& key) = 0;
  virtual Result<ObjectInfo> Head(const std::string& key) = 0;
  // Deleting a key that does not exist succeeds (as in S3).
  virtual Status Delete(const std::string& key) = 0;
  // One page of keys starting with `prefix`, at most max_keys of them.
  virtual Result<ListPage> List(const std::string& prefix, const std::string& page_token,
                                int max_keys) = 0;
  // "s3://bucket/key", "az://account/container/key", "gs://bucket/key" or "file:///dir/key",
  // for messages (never with a credential in it).
  virtual std::string Describe(const std::string& key) const = 0;

  // Every key under `prefix`, following pagination.
  Result<std::vector<ObjectInfo>> ListAll(const std::string& prefix) {
    std::vector<ObjectInfo> out;
    std::string token;
    do {
      SLUICE_ASSIGN_OR_RETURN(ListPage page, List(prefix, token, 1000));
      for (auto& o : page.objects) out.push_back(std::move(o));
      token = std::move(page.next_page_token);
    } while (!token.empty());
    return out;
  }
};

}  // namespace sluice::cloud
