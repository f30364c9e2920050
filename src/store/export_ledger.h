// ExportLedger: the store's role for export bookkeeping (docs/exports.md "Bookkeeping"): the
// state of each registered export and the record of every planned, committed or abandoned
// file, whose commit moves the cursor in the same transaction (exactly once).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "model/scan.h"

namespace sluice::store {

// Export progress of one automation (DESIGN.md §5). Exists once the export is registered.
struct ExportState {
  std::string automation_id;
  std::string token_key_id;  // the key id of the service token the export reads with
  TimestampMicros registered = 0;
  model::XactCursor cursor;  // everything at or before it is in committed files
};

enum class ExportFileState { kPending, kCommitted, kAbandoned };

// One planned or written export file. A pending file is recorded before its upload so a crash
// redoes the same rows under the same key: rows after `from` with _xact_id <= xact_bound, at
// most row_limit of them.
struct ExportFile {
  int64_t id = 0;  // store-assigned
  std::string automation_id;
  std::string run_id;
  std::string key;
  std::string date_folder;  // YYYY-MM-DD
  int64_t sequence = 0;     // NNN within (automation, date_folder), from 1
  ExportFileState state = ExportFileState::kPending;
  model::XactCursor from;
  uint64_t xact_bound = 0;
  int64_t row_limit = 0;
  // Committed files only.
  model::XactCursor to;  // the last row written
  int64_t rows = 0;
  int64_t bytes = 0;
  std::string sha256;  // hex of the file's bytes
  TimestampMicros created = 0;
};

// Thread-safe: every method may be called from any thread concurrently.
class ExportLedger {
 public:
  virtual ~ExportLedger() = default;

  // Records (or replaces) the export's service token; keeps the cursor of an earlier
  // registration.
  virtual Status RegisterExport(const std::string& automation_id, const std::string& token_key_id,
                                TimestampMicros now) = 0;
  // nullopt when the export is not registered.
  virtual Result<std::optional<ExportState>> GetExportState(const std::string& automation_id) = 0;
  // The next free sequence number of a date folder: one more than any file ever recorded there
  // (pending, committed or abandoned), so no key is reused.
  virtual Result<int64_t> NextExportSequence(const std::string& automation_id,
                                             const std::string& date_folder) = 0;
  // Records a pending file; returns it with its id. kAlreadyExists when the sequence is taken;
  // kFailedPrecondition when the automation already has a pending file.
  virtual Result<ExportFile> AddPendingExportFile(const ExportFile& file) = 0;
  virtual Result<std::optional<ExportFile>> FindPendingExportFile(
      const std::string& automation_id) = 0;
  // In one transaction: marks the pending file `file.id` committed with its rows, bytes, `to`
  // and checksum, and moves the cursor to `file.to`. kAborted when the cursor is no longer
  // `file.from` (someone else moved it) or the file is not pending.
  virtual Status CommitExportFile(const ExportFile& file) = 0;
  // Clears the cursor and the run history; pending files become abandoned. File records stay,
  // so numbering continues and no written file is overwritten.
  virtual Status ResetExport(const std::string& automation_id) = 0;
  // Committed files written by run `run_id`, in order.
  virtual Result<std::vector<ExportFile>> ListExportFiles(const std::string& run_id) = 0;
};

}  // namespace sluice::store
