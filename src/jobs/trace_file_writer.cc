#include "jobs/trace_file_writer.h"

#include <algorithm>
#include <cmath>

#include "format/schemas.h"

namespace sluice::jobs {
namespace {

using format::Value;

// Roots whose spans are fetched with one scan.
constexpr size_t kRootsPerLookup = 500;
// A trace whose newest span is dated this far in the future (a client clock off) is exported
// as it is instead of holding the export back until that time.
constexpr TimestampMicros kFutureSkewMicros = 3600LL * 1'000'000;

Value JsonOrNull(const std::string& text) {
  return text.empty() ? Value::Null() : Value::Json(text);
}

Value StringOrNull(const std::string& s) { return s.empty() ? Value::Null() : Value::String(s); }

// A metric of the trace summary as int64, or null.
Value IntMetric(const Json& metrics, std::string_view name) {
  const Json* v = metrics.is_object() ? metrics.Find(name) : nullptr;
  if (v == nullptr || !v->is_number()) return Value::Null();
  return Value::Int64(static_cast<int64_t>(std::llround(v->number_value())));
}

Value DoubleMetric(const Json& metrics, std::string_view name) {
  const Json* v = metrics.is_object() ? metrics.Find(name) : nullptr;
  if (v == nullptr || !v->is_number()) return Value::Null();
  return Value::Double(v->number_value());
}

// metrics.start/end are seconds since the epoch.
Value TimeMetric(const Json& metrics, std::string_view name) {
  const Json* v = metrics.is_object() ? metrics.Find(name) : nullptr;
  if (v == nullptr || !v->is_number()) return Value::Null();
  return Value::Timestamp(static_cast<int64_t>(std::llround(v->number_value() * 1e6)));
}

model::ScanRequest LogsScan(const ExportRunContext& run, uint64_t bound) {
  model::ScanRequest scan;
  scan.object = {model::ObjectType::kProjectLogs, run.automation.project_id};
  scan.max_xact_id = bound;
  return scan;
}

}  // namespace

format::Row TraceToRow(const query::TraceRow& trace) {
  const model::Event& e = trace.root;
  auto parsed = Json::Parse(e.metrics.empty() ? "null" : e.metrics);
  const Json metrics = parsed.ok() ? std::move(*parsed) : Json();
  format::Row row;
  row.reserve(format::TraceSchema().columns.size());
  row.push_back(Value::String(e.id));
  row.push_back(StringOrNull(e.span_id));
  row.push_back(StringOrNull(e.root_span_id));
  row.push_back(Value::Timestamp(e.created));
  row.push_back(JsonOrNull(e.input));
  row.push_back(JsonOrNull(e.output));
  row.push_back(JsonOrNull(e.expected));
  row.push_back(JsonOrNull(e.error));
  row.push_back(JsonOrNull(e.metadata));
  row.push_back(e.tags.empty() ? Value::Null() : Value::StringList(e.tags));
  row.push_back(JsonOrNull(e.span_attributes));
  row.push_back(JsonOrNull(e.scores));
  row.push_back(JsonOrNull(e.metrics));
  row.push_back(Value::Int64(trace.stats.span_count));
  row.push_back(Value::Int64(trace.stats.error_count));
  row.push_back(Value::Int64(trace.stats.llm_calls));
  row.push_back(IntMetric(metrics, "prompt_tokens"));
  row.push_back(IntMetric(metrics, "completion_tokens"));
  row.push_back(IntMetric(metrics, "tokens"));
  row.push_back(DoubleMetric(metrics, "estimated_cost"));
  row.push_back(TimeMetric(metrics, "start"));
  row.push_back(TimeMetric(metrics, "end"));
  row.push_back(DoubleMetric(metrics, "duration"));
  row.push_back(Value::Int64(static_cast<int64_t>(e.xact_id)));
  return row;
}

bool TraceFileWriter::Idle(const std::vector<model::Event>& spans) const {
  TimestampMicros newest = 0;
  for (const model::Event& s : spans) newest = std::max(newest, s.created);
  const TimestampMicros started = run_.run.started;
  return newest <= started - run_.config.trace_idle_seconds * 1'000'000 ||
         newest > started + kFutureSkewMicros;
}

Result<std::map<std::string, std::vector<model::Event>>> TraceFileWriter::LoadTraces(
    const std::vector<std::string>& roots, uint64_t bound) {
  std::map<std::string, std::vector<model::Event>> out;
  model::ScanRequest scan = LogsScan(run_, bound);
  scan.root_span_ids = roots;
  SLUICE_ASSIGN_OR_RETURN(auto stream, run_.store.Scan(scan));
  model::Event e;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(bool more, stream->Next(&e));
    if (!more) break;
    out[e.root_span_id].push_back(e);
  }
  return out;
}

Result<bool> TraceFileWriter::Plan(store::ExportFile* file) {
  model::ScanRequest peek = LogsScan(run_, file->xact_bound);
  peek.after = file->from;
  peek.limit = 1;
  SLUICE_ASSIGN_OR_RETURN(auto stream, run_.store.Scan(peek));
  model::Event first;
  SLUICE_ASSIGN_OR_RETURN(bool any, stream->Next(&first));
  if (!any) return false;
  SLUICE_ASSIGN_OR_RETURN(auto traces, LoadTraces({first.root_span_id}, run_.bound));
  if (Idle(traces[first.root_span_id])) return true;
  waiting_traces_ = std::max<int64_t>(waiting_traces_, 1);
  return false;
}

auto TraceFileWriter::NextChunk(model::EventStream& stream, model::XactCursor from,
                                int64_t row_limit) -> Result<Chunk> {
  Chunk chunk;
  chunk.consumed = from;
  std::unordered_set<std::string> in_chunk;
  while (true) {
    model::Event e;
    if (held_) {
      e = std::move(*held_);
      held_.reset();
    } else {
      SLUICE_ASSIGN_OR_RETURN(bool more, stream.Next(&e));
      if (!more) {
        chunk.stream_end = true;
        return chunk;
      }
    }
    if (!included_.contains(e.root_span_id) && !in_chunk.contains(e.root_span_id)) {
      const bool full = static_cast<int64_t>(included_.size() + chunk.roots.size()) >= row_limit;
      if (chunk.roots.size() >= kRootsPerLookup || full) {
        held_ = std::move(e);
        return chunk;
      }
      chunk.roots.emplace_back(e.root_span_id, chunk.consumed);
      in_chunk.insert(e.root_span_id);
    }
    chunk.consumed = {e.xact_id, e.row_key};
  }
}

Result<bool> TraceFileWriter::WriteChunk(const Chunk& chunk, uint64_t bound,
                                         format::RowWriter& writer, FileContent& content) {
  std::vector<std::string> roots;
  for (const auto& [root, before] : chunk.roots) roots.push_back(root);
  SLUICE_ASSIGN_OR_RETURN(auto traces, LoadTraces(roots, bound));
  std::vector<format::Row> rows;
  for (const auto& [root, before] : chunk.roots) {
    const std::vector<model::Event>& spans = traces[root];
    if (!Idle(spans)) {
      // Stop before this trace: it and everything after wait for a later run.
      SLUICE_RETURN_IF_ERROR(writer.WriteRows(rows));
      content.to = before;
      content.reached_end = true;
      content.waiting_traces = 1;
      return false;
    }
    included_.insert(root);
    auto trace = query::BuildTrace(spans);
    if (!trace) {
      ++content.incomplete_traces;
      continue;
    }
    rows.push_back(TraceToRow(*trace));
  }
  SLUICE_RETURN_IF_ERROR(writer.WriteRows(rows));
  content.to = chunk.consumed;
  return true;
}

Result<FileContent> TraceFileWriter::Write(const store::ExportFile& file,
                                           format::RowWriter& writer) {
  SLUICE_RETURN_IF_ERROR(writer.Begin(format::TraceSchema()));
  model::ScanRequest scan = LogsScan(run_, file.xact_bound);
  scan.after = file.from;
  SLUICE_ASSIGN_OR_RETURN(auto stream, run_.store.Scan(scan));
  included_.clear();
  held_.reset();
  FileContent content;
  content.to = file.from;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(Chunk chunk, NextChunk(*stream, content.to, file.row_limit));
    SLUICE_ASSIGN_OR_RETURN(bool go_on, WriteChunk(chunk, file.xact_bound, writer, content));
    if (!go_on) break;
    if (chunk.stream_end) {
      content.reached_end = true;
      break;
    }
    if (static_cast<int64_t>(included_.size()) >= file.row_limit) break;
  }
  return content;
}

void TraceFileWriter::Committed(const FileContent& content) {
  waiting_traces_ = std::max(waiting_traces_, content.waiting_traces);
  incomplete_traces_ += content.incomplete_traces;
}

void TraceFileWriter::RecordStats(Json& stats) const {
  stats.Set("traces_waiting_idle", Json::Bool(waiting_traces_ > 0));
  stats.Set("incomplete_traces", Json::Int(incomplete_traces_));
}

}  // namespace sluice::jobs
