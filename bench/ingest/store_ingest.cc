#include "bench/ingest/store_ingest.h"

#include <filesystem>
#include <system_error>

#include "common/clock.h"
#include "common/uuid.h"
#include "model/event_write.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::bench {

namespace {

double MillisSince(int64_t t0) {
  return static_cast<double>(RealClock().MonotonicMicros() - t0) / 1e3;
}

int64_t FileBytes(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(n);
}

}  // namespace

Result<std::vector<model::EventWrite>> ParseInsertBatch(const Batch& batch) {
  return model::ParseInsertRequest(batch.body);
}

Result<StoreIngestFigures> IngestInto(store::Store& store, const std::vector<Batch>& batches,
                                      const ParseBatch& parse) {
  SLUICE_ASSIGN_OR_RETURN(model::Org org, store.CreateOrg("bench"));
  model::Project project{NewUuid(), org.id, "ingest-bench", "", RealClock().NowMicros()};
  SLUICE_ASSIGN_OR_RETURN(project, store.CreateProject(project));
  const model::ObjectRef logs{model::ObjectType::kProjectLogs, project.id};

  StoreIngestFigures out;
  for (const Batch& batch : batches) {
    int64_t t0 = RealClock().MonotonicMicros();
    SLUICE_ASSIGN_OR_RETURN(auto writes, parse(batch));
    out.parse.batch_millis.push_back(MillisSince(t0));
    t0 = RealClock().MonotonicMicros();
    SLUICE_ASSIGN_OR_RETURN(
        store::InsertResult r,
        store.InsertEvents(logs, org.id, project.id, writes, RealClock().NowMicros()));
    out.insert.batch_millis.push_back(MillisSince(t0));
    if (r.row_ids.size() != batch.spans) {
      return InternalError("the store returned " + std::to_string(r.row_ids.size()) +
                           " row ids for " + std::to_string(batch.spans) + " spans");
    }
  }
  for (IngestFigures* f : {&out.parse, &out.insert}) {
    for (const Batch& b : batches) {
      f->spans += b.spans;
      f->bytes += b.body.size();
    }
    for (double ms : f->batch_millis) f->seconds += ms / 1e3;
  }
  return out;
}

Result<StoreIngestFigures> IngestIntoStore(const std::string& path,
                                           const std::vector<Batch>& batches,
                                           const ParseBatch& parse) {
  if (std::filesystem::exists(path)) return AlreadyExistsError(path + " already exists");
  SLUICE_ASSIGN_OR_RETURN(auto store, store::sqlite::SqliteStore::Open(path));
  SLUICE_ASSIGN_OR_RETURN(StoreIngestFigures out, IngestInto(*store, batches, parse));
  store.reset();  // closes the database and checkpoints what it wants to
  out.database_bytes = FileBytes(path) + FileBytes(path + "-wal");
  return out;
}

}  // namespace sluice::bench
