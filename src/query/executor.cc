// RunQuery: planning (scan order, pushdown, cursor) and the row loop for both shapes.
#include <iterator>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "common/json_writer.h"
#include "query/aggregate.h"
#include "query/cursor.h"
#include "query/eval.h"
#include "query/file_value.h"
#include "query/order.h"
#include "query/parser.h"
#include "query/pushdown.h"
#include "query/query.h"
#include "query/traces.h"

namespace sluice::query {
namespace {

// Root ids fetched per scan when building traces: bounds the spans held in memory at once.
constexpr size_t kTraceBatch = 256;

bool IsPlainField(const Expr* e, FieldId id) {
  return e != nullptr && e->kind == ExprKind::kField && e->field == id && e->path.size() == 1;
}

void CollectJsonFields(const Expr* e, std::vector<bool>& used) {
  if (e == nullptr) return;
  if (e->kind == ExprKind::kField && JsonFieldIndex(e->field) >= 0) {
    used[static_cast<size_t>(JsonFieldIndex(e->field))] = true;
  }
  for (const ExprPtr& a : e->args) CollectJsonFields(a.get(), used);
}

// The JSON fields a spans query reads (its filter, output columns, sort, dimensions and
// measures), or nullopt when it reads all of them (select *, traces).
std::optional<std::vector<std::string>> UsedJsonFields(const Query& q) {
  if (q.source.shape != Shape::kSpans || (q.select_star && !q.aggregating())) return std::nullopt;
  std::vector<bool> used(std::size(model::kJsonFields), false);
  CollectJsonFields(q.filter.get(), used);
  for (const auto* items : {&q.select, &q.dimensions, &q.measures}) {
    for (const SelectItem& s : *items) CollectJsonFields(s.expr.get(), used);
  }
  for (const SortItem& s : q.sort) CollectJsonFields(s.expr.get(), used);
  std::vector<std::string> out;
  for (size_t k = 0; k < used.size(); ++k) {
    if (used[k]) out.push_back(model::kJsonFields[k].name);
  }
  return out;
}

// Runs one query; rows go to exactly one of `json_sink` (JSON text) and `value_sink` (typed).
class Executor {
 public:
  Executor(const Query& q, const QueryContext& ctx, model::EventSource& source, RowSink* json_sink,
           ValueRowSink* value_sink)
      : q_(q), ctx_(ctx), source_(source), json_sink_(json_sink), value_sink_(value_sink) {
    xact_expr_.kind = ExprKind::kField;
    xact_expr_.path = {"_xact_id"};
    xact_expr_.field = FieldId::kXactId;
  }

  Result<QueryResult> Run();

 private:
  void PlanOrder();
  Status PlanCursor();
  // A request for the query's object under the context's snapshot bound.
  model::ScanRequest NewScan() const;
  model::ScanRequest BaseScan(const Pushdown& p) const;
  Status ScanSpans(const Pushdown& p);
  // A count of spans whose whole filter the source answers: counted there, no row read. False
  // when the query or the source does not allow it.
  Result<bool> CountInSource(const Pushdown& p);
  Status ScanTraces(const Pushdown& p);
  Result<std::vector<std::string>> TraceRoots(const Pushdown& p);
  Status TraceBatch(const std::vector<std::string>& roots);
  // Handles one row; sets done_ when no more rows are needed.
  Status Consume(RowView& row);
  Status Emit(const SortedRow& row);
  std::vector<Value> Keys(RowView& row);
  // The output row's JSON (json_sink_) or typed columns (value_sink_) into `out`.
  void Project(RowView& row, SortedRow& out);
  void ProjectJson(RowView& row, std::string& out);
  void ProjectValues(RowView& row, std::vector<NamedValue>& out);
  Status FinishAggregates();
  Status FinishHeap();

  const Query& q_;
  const QueryContext& ctx_;
  model::EventSource& source_;
  RowSink* const json_sink_;
  ValueRowSink* const value_sink_;
  EvalEnv env_;
  SortedRow streamed_;          // the row being emitted when rows stream (storage reused)
  std::vector<RowCell> cells_;  // the row handed to value_sink_ (storage reused)
  Expr xact_expr_;
  Order order_;
  int64_t limit_ = 0;
  bool stream_ = false;  // rows arrive in output order: emit as they come
  model::ScanOrder scan_order_ = model::ScanOrder::kXactAscending;
  std::optional<CursorKey> cursor_;
  std::unique_ptr<TopN> top_;
  std::unique_ptr<GroupTable> groups_;
  QueryResult result_;
  std::vector<Value> last_keys_;
  int64_t last_row_key_ = 0;
  size_t answer_bytes_ = 0;  // the streamed rows so far, as max_answer_bytes counts them
  bool done_ = false;
  bool cut_ = false;  // max_answer_bytes ended the page before its limit
};

void Executor::PlanOrder() {
  for (const SortItem& s : q_.sort) {
    order_.keys.push_back(OrderKey{s.expr.get(), s.column, s.descending});
  }
  if (q_.aggregating() && order_.keys.empty()) {
    for (size_t d = 0; d < q_.dimensions.size(); ++d) {
      order_.keys.push_back(OrderKey{nullptr, static_cast<int>(d), false});
    }
  }
  if (!q_.aggregating() && order_.keys.empty()) {
    order_.keys.push_back(OrderKey{&xact_expr_, -1, false});
  }
  order_.tiebreak_descending = !order_.keys.empty() && order_.keys.back().descending;
  std::string text = q_.source.shape == Shape::kTraces ? "traces" : "spans";
  for (const OrderKey& k : order_.keys) {
    text += "|" + (k.expr ? ExprToString(*k.expr) : std::to_string(k.column));
    text += k.descending ? " desc" : " asc";
  }
  order_.fingerprint = Fingerprint(text);
  if (q_.aggregating() || q_.source.shape != Shape::kSpans || order_.keys.size() != 1) return;
  const OrderKey& k = order_.keys[0];
  const Expr* e = k.column >= 0 ? q_.select[k.column].expr.get() : k.expr;
  if (IsPlainField(e, FieldId::kXactId) && !k.descending) {
    stream_ = true;
    scan_order_ = model::ScanOrder::kXactAscending;
  } else if (IsPlainField(e, FieldId::kCreated)) {
    stream_ = true;
    scan_order_ =
        k.descending ? model::ScanOrder::kCreatedDescending : model::ScanOrder::kCreatedAscending;
  }
}

Status Executor::PlanCursor() {
  const std::string* token = !ctx_.cursor.empty() ? &ctx_.cursor
                             : q_.cursor          ? &*q_.cursor
                                                  : nullptr;
  if (token == nullptr) return Status::Ok();
  if (q_.aggregating()) {
    return InvalidArgumentError("cursor cannot be used with dimensions or measures");
  }
  SLUICE_ASSIGN_OR_RETURN(CursorKey key, DecodeCursor(*token));
  if (key.order_fingerprint != order_.fingerprint || key.sort_keys.size() != order_.keys.size()) {
    return InvalidArgumentError(
        "cursor was made for a different sort or shape; repeat the query that returned it, or "
        "drop the cursor to start over");
  }
  cursor_ = std::move(key);
  return Status::Ok();
}

model::ScanRequest Executor::NewScan() const {
  model::ScanRequest scan;
  scan.object = q_.source.object;
  scan.max_xact_id = ctx_.max_xact_id;
  return scan;
}

model::ScanRequest Executor::BaseScan(const Pushdown& p) const {
  model::ScanRequest scan = NewScan();
  scan.order = scan_order_;
  ApplyPushdown(p, scan);
  if (!stream_ || !cursor_) return scan;
  const Value& k = cursor_->sort_keys[0];
  if (scan_order_ == model::ScanOrder::kXactAscending && k.kind == Value::Kind::kInt && k.i >= 0) {
    model::XactCursor c{static_cast<uint64_t>(k.i), cursor_->row_key};
    if (!scan.after || *scan.after < c) scan.after = c;
  } else if (k.kind == Value::Kind::kTimestamp && k.i < INT64_MAX) {
    if (scan_order_ == model::ScanOrder::kCreatedAscending) {
      scan.created_min = scan.created_min ? std::max(*scan.created_min, k.i) : k.i;
    } else if (scan_order_ == model::ScanOrder::kCreatedDescending) {
      scan.created_max = scan.created_max ? std::min(*scan.created_max, k.i + 1) : k.i + 1;
    }
  }
  return scan;
}

std::vector<Value> Executor::Keys(RowView& row) {
  std::vector<Value> keys;
  keys.reserve(order_.keys.size());
  for (const OrderKey& k : order_.keys) {
    const Expr& e = k.column >= 0 ? *q_.select[k.column].expr : *k.expr;
    keys.push_back(Eval(e, &row, env_));
  }
  return keys;
}

void Executor::Project(RowView& row, SortedRow& out) {
  if (value_sink_ != nullptr) {
    out.values.clear();
    ProjectValues(row, out.values);
  } else {
    out.json.clear();
    ProjectJson(row, out.json);
  }
}

void Executor::ProjectValues(RowView& row, std::vector<NamedValue>& out) {
  if (q_.select_star) {
    AppendRowValues(row.event(), row.stats(), out);
    return;
  }
  for (const SelectItem& s : q_.select) {
    Value v = Eval(*s.expr, &row, env_);
    if (IsPlainField(s.expr.get(), FieldId::kXactId) && v.kind == Value::Kind::kInt) {
      v = Value::String(std::to_string(v.i));  // as in the JSON row
    }
    out.push_back({s.name, std::move(v)});
  }
}

void Executor::ProjectJson(RowView& row, std::string& out) {
  if (q_.select_star) {
    if (row.stats() != nullptr) {
      AppendTraceJson(row.event(), *row.stats(), out);
    } else {
      model::AppendEventJson(row.event(), out);
    }
    return;
  }
  out += '{';
  bool first = true;
  for (const SelectItem& s : q_.select) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, s.name);
    out += ':';
    Value v = Eval(*s.expr, &row, env_);
    if (IsPlainField(s.expr.get(), FieldId::kXactId) && v.kind == Value::Kind::kInt) {
      AppendJsonString(out, std::to_string(v.i));  // the API carries _xact_id as a string
    } else {
      v.AppendJson(out);
    }
  }
  out += '}';
}

Status Executor::Emit(const SortedRow& row) {
  ++result_.rows;
  if (value_sink_ == nullptr) return json_sink_->OnRow(row.json);
  cells_.resize(row.values.size());
  for (size_t c = 0; c < row.values.size(); ++c) {
    cells_[c].name = row.values[c].name;
    SLUICE_ASSIGN_OR_RETURN(cells_[c].value, FileValue(row.values[c].value));
  }
  return value_sink_->OnRow(cells_);
}

Status Executor::Consume(RowView& row) {
  if (q_.filter && !IsTrue(Eval(*q_.filter, &row, env_))) return Status::Ok();
  if (groups_) return groups_->Add(row, env_);
  std::vector<Value> keys = Keys(row);
  int64_t row_key = row.event().row_key;
  if (cursor_ && CompareRows(order_, keys, row_key, cursor_->sort_keys, cursor_->row_key) <= 0) {
    return Status::Ok();
  }
  if (!stream_) {
    if (!top_->WouldKeep(keys, row_key)) return Status::Ok();
    SortedRow sorted{std::move(keys), row_key, {}, {}};
    Project(row, sorted);
    top_->Add(std::move(sorted));
    return Status::Ok();
  }
  Project(row, streamed_);
  SLUICE_RETURN_IF_ERROR(Emit(streamed_));
  last_keys_ = std::move(keys);
  last_row_key_ = row_key;
  answer_bytes_ += streamed_.json.size() + kRowOverheadBytes;
  cut_ = ctx_.max_answer_bytes > 0 && answer_bytes_ >= ctx_.max_answer_bytes;
  done_ = result_.rows >= limit_ || cut_;
  return Status::Ok();
}

Status Executor::ScanSpans(const Pushdown& p) {
  model::ScanRequest scan = BaseScan(p);
  scan.json_fields = UsedJsonFields(q_);
  bool exact =
      stream_ && !q_.filter && (!cursor_ || scan_order_ == model::ScanOrder::kXactAscending);
  if (exact) scan.limit = limit_;
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<model::EventStream> stream, source_.Scan(scan));
  model::Event event;
  RowView row;
  while (!done_) {
    SLUICE_ASSIGN_OR_RETURN(bool more, stream->Next(&event));
    if (!more) break;
    ++result_.spans_scanned;
    row.Reset(event);
    SLUICE_RETURN_IF_ERROR(Consume(row));
  }
  return Status::Ok();
}

Result<bool> Executor::CountInSource(const Pushdown& p) {
  if (!groups_ || q_.source.shape != Shape::kSpans || !groups_->CountsRowsOnly() || !p.whole) {
    return false;
  }
  SLUICE_ASSIGN_OR_RETURN(const std::optional<int64_t> n, source_.CountMatching(BaseScan(p)));
  if (!n) return false;
  SLUICE_RETURN_IF_ERROR(groups_->AddRows(*n));
  return true;
}

Result<std::vector<std::string>> Executor::TraceRoots(const Pushdown& p) {
  model::ScanRequest scan = NewScan();
  ApplyPushdown(p, scan);
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<model::EventStream> stream, source_.Scan(scan));
  std::vector<std::string> roots;
  std::unordered_set<std::string> seen;
  model::Event event;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(bool more, stream->Next(&event));
    if (!more) break;
    ++result_.spans_scanned;
    bool is_root = event.is_root || event.span_id == event.root_span_id;
    if (is_root && seen.insert(event.root_span_id).second) roots.push_back(event.root_span_id);
  }
  return roots;
}

Status Executor::TraceBatch(const std::vector<std::string>& roots) {
  model::ScanRequest scan = NewScan();
  scan.root_span_ids = roots;
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<model::EventStream> stream, source_.Scan(scan));
  std::unordered_map<std::string, std::vector<model::Event>> spans;
  model::Event event;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(bool more, stream->Next(&event));
    if (!more) break;
    ++result_.spans_scanned;
    std::string key = event.root_span_id;
    spans[key].push_back(std::move(event));
    event = model::Event();
  }
  RowView row;
  for (const std::string& id : roots) {
    auto it = spans.find(id);
    if (it == spans.end()) continue;
    std::optional<TraceRow> trace = BuildTrace(it->second);
    if (!trace) continue;
    row.Reset(trace->root, &trace->stats);
    SLUICE_RETURN_IF_ERROR(Consume(row));
  }
  return Status::Ok();
}

Status Executor::ScanTraces(const Pushdown& p) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> roots, TraceRoots(p));
  for (size_t start = 0; start < roots.size(); start += kTraceBatch) {
    size_t end = std::min(roots.size(), start + kTraceBatch);
    std::vector<std::string> batch(roots.begin() + static_cast<std::ptrdiff_t>(start),
                                   roots.begin() + static_cast<std::ptrdiff_t>(end));
    SLUICE_RETURN_IF_ERROR(TraceBatch(batch));
  }
  return Status::Ok();
}

Status Executor::FinishHeap() {
  std::vector<SortedRow> rows = top_->Take();
  for (SortedRow& r : rows) {
    SLUICE_RETURN_IF_ERROR(Emit(r));
    std::string().swap(r.json);  // in the sink now: the answer is not held twice
    last_keys_ = std::move(r.keys);
    last_row_key_ = r.row_key;
  }
  return Status::Ok();
}

Status Executor::FinishAggregates() {
  std::vector<std::vector<Value>> rows = groups_->Finish(env_);
  std::vector<const SelectItem*> columns;
  for (const SelectItem& s : q_.dimensions) columns.push_back(&s);
  for (const SelectItem& s : q_.measures) columns.push_back(&s);
  TopN top(order_, static_cast<size_t>(limit_));
  int64_t ordinal = 0;
  for (std::vector<Value>& values : rows) {
    SortedRow r;
    for (const OrderKey& k : order_.keys) r.keys.push_back(values[k.column]);
    r.row_key = ordinal++;
    if (!top.WouldKeep(r.keys, r.row_key)) continue;
    if (value_sink_ != nullptr) {
      for (size_t c = 0; c < columns.size(); ++c) {
        r.values.push_back({columns[c]->name, std::move(values[c])});
      }
    } else {
      JsonWriter w(&r.json);
      w.BeginObject();
      for (size_t c = 0; c < columns.size(); ++c) w.Key(columns[c]->name).Raw(values[c].ToJson());
      w.EndObject();
    }
    top.Add(std::move(r));
  }
  for (SortedRow& r : top.Take()) SLUICE_RETURN_IF_ERROR(Emit(r));
  return Status::Ok();
}

Result<QueryResult> Executor::Run() {
  if (ctx_.check_permission) SLUICE_RETURN_IF_ERROR(ctx_.check_permission(q_.source.object));
  env_.now = (ctx_.clock ? *ctx_.clock : RealClock()).NowMicros();
  limit_ = q_.limit.value_or(ctx_.default_limit > 0 ? ctx_.default_limit : 1000);
  PlanOrder();
  SLUICE_RETURN_IF_ERROR(PlanCursor());
  if (q_.aggregating()) {
    groups_ = std::make_unique<GroupTable>(q_);
  } else if (!stream_) {
    top_ = std::make_unique<TopN>(order_, static_cast<size_t>(limit_), ctx_.max_answer_bytes,
                                  kRowOverheadBytes);
  }
  Pushdown p = ExtractPushdown(q_.filter.get(), q_.source.shape, env_);
  if (!p.empty) {
    SLUICE_ASSIGN_OR_RETURN(const bool counted, CountInSource(p));
    if (!counted) {
      SLUICE_RETURN_IF_ERROR(q_.source.shape == Shape::kTraces ? ScanTraces(p) : ScanSpans(p));
    }
  }
  if (groups_) {
    SLUICE_RETURN_IF_ERROR(FinishAggregates());
    return result_;
  }
  if (top_) SLUICE_RETURN_IF_ERROR(FinishHeap());
  if (result_.rows >= limit_ || cut_ || (top_ && top_->left_out())) {
    result_.cursor = EncodeCursor(CursorKey{order_.fingerprint, last_keys_, last_row_key_});
  }
  return result_;
}

}  // namespace

Result<QueryResult> RunParsedQuery(const Query& query, const QueryContext& ctx,
                                   model::EventSource& source, RowSink& sink) {
  return Executor(query, ctx, source, &sink, nullptr).Run();
}

Result<QueryResult> RunParsedQuery(const Query& query, const QueryContext& ctx,
                                   model::EventSource& source, ValueRowSink& sink) {
  return Executor(query, ctx, source, nullptr, &sink).Run();
}

Result<QueryResult> RunQuery(std::string_view text, const QueryContext& ctx,
                             model::EventSource& source, RowSink& sink) {
  SLUICE_ASSIGN_OR_RETURN(Query query, ParseQuery(text));
  return RunParsedQuery(query, ctx, source, sink);
}

}  // namespace sluice::query
