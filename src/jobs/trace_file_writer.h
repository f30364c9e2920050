// The writer of `log_traces` exports: one TraceSchema row per trace once the trace has been idle
// for trace_idle_seconds (docs/exports.md). Spans are read after the file's start in
// (_xact_id, row_key) order; each trace they touch is exported as of the bound, and the file
// ends before the first span of a trace that is still active (a later run exports it) or when
// row_limit traces are in it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "format/row.h"
#include "jobs/export_definition.h"
#include "query/traces.h"

namespace sluice::jobs {

// The TraceSchema row of a trace built by query::BuildTrace.
format::Row TraceToRow(const query::TraceRow& trace);

// Not thread-safe: one per run.
class TraceFileWriter final : public DefinitionWriter {
 public:
  explicit TraceFileWriter(ExportRunContext& run) : run_(run) {}

  // True when a span follows file->from and its trace is idle.
  Result<bool> Plan(store::ExportFile* file) override;
  Result<FileContent> Write(const store::ExportFile& file, format::RowWriter& writer) override;
  void Committed(const FileContent& content) override;
  // traces_waiting_idle, incomplete_traces.
  void RecordStats(Json& stats) const override;

 private:
  // New roots in order of first appearance, each with the cursor before its first span.
  struct Chunk {
    std::vector<std::pair<std::string, model::XactCursor>> roots;
    model::XactCursor consumed;  // the last span read into the chunk
    bool stream_end = false;
  };
  Result<Chunk> NextChunk(model::EventStream& stream, model::XactCursor from, int64_t row_limit);
  // Writes the chunk's traces; false when a trace still active ended the file there.
  Result<bool> WriteChunk(const Chunk& chunk, uint64_t bound, format::RowWriter& writer,
                          FileContent& content);
  Result<std::map<std::string, std::vector<model::Event>>> LoadTraces(
      const std::vector<std::string>& roots, uint64_t bound);
  bool Idle(const std::vector<model::Event>& spans) const;

  ExportRunContext& run_;
  // Per file: roots already in the file, and the span that opened the next chunk.
  std::unordered_set<std::string> included_;
  std::optional<model::Event> held_;
  int64_t waiting_traces_ = 0;
  int64_t incomplete_traces_ = 0;
};

}  // namespace sluice::jobs
