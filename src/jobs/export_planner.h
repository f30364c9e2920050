// ExportPlanner: the next file of an export run (docs/exports.md "Export files"): the rows its
// definition says it holds, its key `<prefix>/<YYYY-MM-DD>/export_<NNN>.<ext>` (with
// layout "hive" `<prefix>/date=YYYY-MM-DD/…`) under the next free NNN of the run's date folder,
// recorded as pending before anything is uploaded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "format/writer_factory.h"
#include "jobs/export_definition.h"
#include "jobs/export_destination.h"

namespace sluice::jobs {

// The writer options of an export's format (Parquet with zstd, or plain JSON Lines).
format::WriterOptions WriterOptionsFor(const ExportConfig& config);

// "export_007.parquet"; past 999 the number widens.
std::string ExportFileName(int64_t sequence, const std::string& extension);

// Not thread-safe: one per run. Everything is borrowed.
class ExportPlanner {
 public:
  ExportPlanner(ExportRunContext& run, DefinitionWriter& definition, const Destination& destination)
      : run_(run), definition_(definition), destination_(destination) {}

  // The next file after `*cursor`, recorded pending; nullopt when nothing is to be written now.
  // *cursor moves past custom-query windows recorded empty on the way.
  Result<std::optional<store::ExportFile>> Next(model::XactCursor* cursor);

 private:
  ExportRunContext& run_;
  DefinitionWriter& definition_;
  const Destination& destination_;
};

}  // namespace sluice::jobs
