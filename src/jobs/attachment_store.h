// AttachmentStore: the files the Braintrust SDKs attach to rows (`braintrust.Attachment`), kept
// in a blob store under their org ("attachment/<org>/<key>") with their metadata beside them
// ("attachment-meta/<org>/<key>": file name, content type, upload status, the rows that
// reference the file). Rows keep only a reference ({"type": "braintrust_attachment", "key"}),
// so exports carry references; a sweep removes the files none of whose rows exist any more
// (deleted, or purged by retention after its grace period).
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cloud/object_store.h"
#include "common/clock.h"
#include "common/json.h"
#include "store/event_store.h"

namespace sluice::jobs {

// A row that references an attachment.
struct AttachmentRef {
  model::ObjectRef object;
  std::string row_id;
};

struct AttachmentMeta {
  std::string filename;
  std::string content_type;
  Json status;  // {"upload_status": "uploading" | "done" | "error", "error_message"}
  std::vector<AttachmentRef> refs;
  TimestampMicros created = 0;  // when sluice first heard of the key
};

struct AttachmentSweepOptions {
  // An attachment no row has referenced is removed this long after sluice first heard of it.
  int64_t unreferenced_keep_seconds = 7 * 86'400;
  // The sweep runs after every purge that removed rows, and at least this often.
  int64_t sweep_interval_seconds = 3600;
};

// Thread-safe. Metadata updates are serialised within the process.
class AttachmentStore {
 public:
  AttachmentStore(cloud::ObjectStore& blobs, store::EventStore& store, Clock& clock,
                  AttachmentSweepOptions options = {})
      : blobs_(blobs), store_(store), clock_(clock), options_(options) {}

  // nullopt when sluice never heard of the key.
  Result<std::optional<AttachmentMeta>> GetMeta(const std::string& org, const std::string& key);
  // Records the file name and content type of an upload about to happen (status "uploading"),
  // keeping the references rows made already.
  Status Describe(const std::string& org, const std::string& key, const std::string& filename,
                  const std::string& content_type);
  // REQUIRES: status is an object. kNotFound when the key was never described.
  Status SetStatus(const std::string& org, const std::string& key, const Json& status);
  // Records that these rows reference attachments (each ref with the key it names).
  Status AddRefs(const std::string& org,
                 const std::vector<std::pair<std::string, AttachmentRef>>& refs);

  Result<bool> HasData(const std::string& org, const std::string& key);
  Status PutData(const std::string& org, const std::string& key, std::string_view bytes);
  Result<std::string> GetData(const std::string& org, const std::string& key);

  // Removes every attachment (file and metadata) whose referencing rows are all gone, and those
  // never referenced for options.unreferenced_keep_seconds. Returns how many were removed.
  Result<int64_t> Sweep();
  // Sweep() when `purged_rows` > 0 or the last sweep is options.sweep_interval_seconds old.
  Result<int64_t> SweepIfDue(int64_t purged_rows);

  // The attachment keys referenced in a JSON value's text (`{"type":
  // "braintrust_attachment", "key": ...}` at any depth).
  static std::vector<std::string> KeysIn(std::string_view json_text);

 private:
  Status PutMeta(const std::string& org, const std::string& key, const AttachmentMeta& meta);
  // Whether any row the attachment names still exists.
  Result<bool> Referenced(const AttachmentMeta& meta);

  cloud::ObjectStore& blobs_;
  store::EventStore& store_;
  Clock& clock_;
  AttachmentSweepOptions options_;
  std::mutex meta_mu_;  // read-modify-write of metadata
  std::mutex sweep_mu_;
  TimestampMicros last_sweep_ = 0;  // guarded by sweep_mu_
};

}  // namespace sluice::jobs
