// RetentionStore: the store's role for retention (docs/retention.md): soft deletes recorded as
// marks (model::RetentionMark) that hide rows from every read at once, restores, and purges
// after the grace period.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "model/automation.h"

namespace sluice::store {

// Thread-safe: every method may be called from any thread concurrently.
class RetentionStore {
 public:
  virtual ~RetentionStore() = default;

  // Rows of `object` that `mark` would newly hide (not hidden already); with `with_bytes`, also
  // the bytes of their stored fields (reads the rows; without it only the index is read).
  struct RetentionCount {
    int64_t rows = 0;
    int64_t bytes = 0;
  };
  virtual Result<RetentionCount> CountRetention(const model::RetentionMark& mark,
                                                bool with_bytes = false) = 0;
  // Records the mark (and rows it must not hide) in one transaction; from then on reads do not
  // see the rows it hides. Returns the mark with its id and how many rows it newly hid.
  virtual Result<std::pair<model::RetentionMark, int64_t>> AddRetentionMark(
      const model::RetentionMark& mark, const std::vector<int64_t>& exempt_row_keys) = 0;
  virtual Result<std::vector<model::RetentionMark>> ListRetentionMarks(
      const std::string& automation_id) = 0;
  // Brings back what the run's marks hid. kFailedPrecondition when already purged.
  // Returns rows restored.
  virtual Result<int64_t> RestoreRetentionRun(const std::string& run_id) = 0;
  // Deletes for good the rows hidden by active marks whose purge_after <= now, in bounded
  // batches; their space is free for new rows. Returns the rows purged per run id.
  virtual Result<std::vector<std::pair<std::string, int64_t>>> PurgeExpiredMarks(
      TimestampMicros now) = 0;
  // Hands space freed by purges back to the file system where the backend does not on its own
  // (SQLite: when a quarter of the file is free and no inserts are arriving). Best effort.
  virtual Status ReclaimSpace() { return Status(); }
  // The store lease (TryAcquireLease) held while PurgeExpiredMarks runs, so that one process at
  // a time purges; stores recognise a purge in progress in another process by it.
  static constexpr char kPurgeLease[] = "retention-purge";
};

}  // namespace sluice::store
