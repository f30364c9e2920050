// EventStore: the store's role for rows (DESIGN.md §3): transactional inserts under one growing
// `_xact_id` each, lookups, and the scans the query engine and the exports read through
// (model::EventSource).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "model/event_write.h"
#include "model/object.h"
#include "model/scan.h"

namespace sluice::store {

// The writes to one object of an insert batch (EventStore::InsertBatch); `writes` is borrowed
// for the call.
struct ObjectWrites {
  model::ObjectRef object;
  std::string org_id;
  std::string project_id;
  std::span<const model::EventWrite> writes;
};

struct InsertResult {
  std::vector<std::string> row_ids;  // in request order
  uint64_t xact_id = 0;
  int64_t rows_written = 0;  // new or replaced rows
  int64_t rows_deleted = 0;  // `_object_delete` rows that existed
};

// Thread-safe: every method may be called from any thread concurrently.
class EventStore : public model::EventSource {
 public:
  ~EventStore() override = default;

  // Applies every write of every object in `batch` in one transaction with one new _xact_id;
  // on any error nothing is written. row_ids are in batch order. REQUIRES: each object exists
  // and belongs to its project_id/org_id.
  virtual Result<InsertResult> InsertBatch(std::span<const ObjectWrites> batch,
                                           TimestampMicros now) = 0;
  // InsertBatch of one object's writes.
  Result<InsertResult> InsertEvents(const model::ObjectRef& object, const std::string& org_id,
                                    const std::string& project_id,
                                    std::span<const model::EventWrite> writes,
                                    TimestampMicros now) {
    const ObjectWrites one{object, org_id, project_id, writes};
    return InsertBatch({&one, 1}, now);
  }
  // The current version of one row, or nullopt.
  virtual Result<std::optional<model::Event>> GetEvent(const model::ObjectRef& object,
                                                       const std::string& id) = 0;
  // Whether a row of this id is stored: visible, or hidden by a retention run that can still be
  // restored (false once purged or deleted).
  virtual Result<bool> RowExists(const model::ObjectRef& object, const std::string& id) = 0;
  // The greatest _xact_id committed so far (0 when none).
  virtual Result<uint64_t> MaxXactId() = 0;
  // How many rows Scan(request) would return (visible rows only; at most request.limit when it
  // is set), counted in the store without reading the rows' fields.
  virtual Result<int64_t> CountRows(const model::ScanRequest& request) = 0;
  // The (_xact_id, row_key) of the n-th row (from 1) Scan(request) would return, read from the
  // index without the rows' fields; nullopt when it returns fewer rows. kInvalidArgument unless
  // the request is in kXactAscending order without a limit and n >= 1.
  virtual Result<std::optional<model::XactCursor>> NthRowPosition(const model::ScanRequest& request,
                                                                  int64_t n) = 0;
};

}  // namespace sluice::store
