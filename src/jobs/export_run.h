// ExportRun: one run of one export automation (docs/exports.md "A run"): checks the service
// token, closes runs a stopped process left running (writing their manifests), redoes a pending
// file under its key, then plans (ExportPlanner), writes (the definition's DefinitionWriter)
// and commits files until caught up or max_iterations files, and ends with the run's manifest
// (ManifestWriter). A file is encoded, uploaded and hashed as it is written; one store
// transaction then commits it and moves the cursor.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "format/writer_factory.h"
#include "jobs/export_definition.h"
#include "jobs/export_destination.h"
#include "jobs/export_manifest.h"
#include "jobs/export_runner.h"

namespace sluice::jobs {

// Not thread-safe: one thread runs it, once.
class ExportRun {
 public:
  // What a run uses; all borrowed.
  struct Services {
    store::Store& store;
    Clock& clock;
    DestinationProvider& destinations;
    const ExportRunnerOptions& options;
  };

  // `run` is the history record (its stats are filled in); all arguments are borrowed.
  ExportRun(Services services, const model::Automation& automation, const ExportConfig& config,
            const store::ExportState& state, model::AutomationRun& run);
  ~ExportRun();
  ExportRun(const ExportRun&) = delete;
  ExportRun& operator=(const ExportRun&) = delete;

  // Runs the export. `stale`: runs a stopped process left "running"; this run writes their
  // manifests and closes them. The cursor stays where the last committed file left it.
  Status Execute(std::vector<model::AutomationRun> stale);
  // Sets the run's figures in its stats (also after a failed Execute).
  void RecordStats();

 private:
  Status CheckToken();
  Status WriteAndCommit(store::ExportFile file);
  Status CloseStaleRun(model::AutomationRun stale);
  Status WriteManifest();
  void Hook(std::string_view point) {
    if (services_.options.fault_hook) services_.options.fault_hook(point);
  }

  // What the files of this run came to.
  struct Figures {
    int64_t rows = 0;
    int64_t bytes = 0;
    int64_t iterations = 0;
    bool caught_up = false;
  };

  Services services_;
  ExportRunContext context_;
  model::AutomationRun& run_;  // the history record (context_.run, writable)
  const std::string token_key_id_;
  const model::XactCursor cursor_before_;
  model::XactCursor cursor_;
  Destination destination_;
  ManifestWriter manifest_;
  std::unique_ptr<DefinitionWriter> definition_;
  std::vector<store::ExportFile> committed_;
  // A Parquet file's writer state, kept for the run's next file.
  std::unique_ptr<format::ParquetCarryOver> parquet_carry_;
  Figures figures_;
};

}  // namespace sluice::jobs
