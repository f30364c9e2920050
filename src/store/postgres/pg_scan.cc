// Streamed scans on PostgreSQL: keyset pages, each one short query on a pooled connection, so a
// long scan holds neither a transaction nor more than a page of rows.
#include <algorithm>
#include <deque>

#include "store/postgres/pg_retention.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_store.h"

namespace sluice::store::postgres {

namespace {

class PgEventStream final : public model::EventStream {
 public:
  PgEventStream(PgStore* store, model::ScanRequest request)
      : store_(store), request_(std::move(request)) {}

  Result<bool> Next(model::Event* row) override {
    if (buffer_.empty() && !done_) {
      Status st = FetchPage();
      if (!st.ok()) {
        done_ = true;
        return st;
      }
    }
    if (buffer_.empty()) return false;
    *row = std::move(buffer_.front());
    buffer_.pop_front();
    ++returned_;
    return true;
  }

  // Counts what the whole scan returns, reading no row's fields.
  Result<int64_t> Count() {
    SLUICE_RETURN_IF_ERROR(Bound());
    SLUICE_ASSIGN_OR_RETURN(auto c, store_->Acquire());
    SLUICE_ASSIGN_OR_RETURN(auto marks, LoadActiveMarks(*c, request_.object));
    Params p;
    // Filters first: both number their parameters after those already added.
    std::string sql = "SELECT count(*) FROM (SELECT 1 FROM events" + Filters(p);
    sql += Keyset(p);
    sql += VisibleSql(marks);
    if (request_.limit > 0) sql += " LIMIT " + std::to_string(request_.limit);
    sql += ") t";
    SLUICE_ASSIGN_OR_RETURN(Rows r, c->QueryOnce(sql, p));
    return r.size() > 0 ? r.Int(0, 0) : 0;
  }

  // The position of the n-th row the whole scan returns, reading no row's fields.
  Result<std::optional<model::XactCursor>> Position(int64_t n) {
    SLUICE_RETURN_IF_ERROR(Bound());
    SLUICE_ASSIGN_OR_RETURN(auto c, store_->Acquire());
    SLUICE_ASSIGN_OR_RETURN(auto marks, LoadActiveMarks(*c, request_.object));
    Params p;
    std::string sql = "SELECT xact_id, row_key FROM events" + Filters(p);
    sql += Keyset(p);
    sql += VisibleSql(marks);
    sql += " ORDER BY xact_id, row_key OFFSET " + std::to_string(n - 1) + " LIMIT 1";
    SLUICE_ASSIGN_OR_RETURN(Rows r, c->QueryOnce(sql, p));
    if (r.size() == 0) return std::optional<model::XactCursor>();
    return std::optional<model::XactCursor>(
        model::XactCursor{static_cast<uint64_t>(r.Int(0, 0)), r.Int(0, 1)});
  }

 private:
  // The page query's filters (without keyset bound and order); parameters go to `p`.
  std::string Filters(Params& p) const {
    p.Add(static_cast<int64_t>(request_.object.type)).Add(request_.object.id);
    std::string sql = " WHERE object_type = $1 AND object_id = $2";
    if (bound_) sql += " AND xact_id <= " + std::to_string(*bound_);
    if (request_.created_min) sql += " AND created >= " + std::to_string(*request_.created_min);
    if (request_.created_max) sql += " AND created < " + std::to_string(*request_.created_max);
    if (!request_.ids.empty()) {
      p.Add(TextArray(request_.ids));
      sql += " AND id = ANY($" + std::to_string(p.size()) + "::text[])";
    }
    if (!request_.root_span_ids.empty()) {
      p.Add(TextArray(request_.root_span_ids));
      sql += " AND root_span_id = ANY($" + std::to_string(p.size()) + "::text[])";
    }
    return sql;
  }

  // " AND (key, row_key) <op> (…)" after the last row returned (or the request's cursor).
  std::string Keyset(Params& p) const {
    const bool desc = request_.order == model::ScanOrder::kCreatedDescending;
    const char* key = request_.order == model::ScanOrder::kXactAscending ? "xact_id" : "created";
    std::optional<std::pair<int64_t, int64_t>> from;
    if (last_) {
      from = {request_.order == model::ScanOrder::kXactAscending
                  ? static_cast<int64_t>(last_->xact_id)
                  : last_created_,
              last_->row_key};
    } else if (request_.after) {
      from = {static_cast<int64_t>(request_.after->xact_id), request_.after->row_key};
    }
    if (!from) return std::string();
    p.Add(from->first).Add(from->second);
    const std::string n = std::to_string(p.size());
    return std::string(" AND (") + key + ", row_key) " + (desc ? "<" : ">") + " ($" +
           std::to_string(p.size() - 1) + ", $" + n + ")";
  }

  // An export's bound never passes the watermark (DESIGN.md §3): clamped once, at the start.
  Status Bound() {
    if (request_.max_xact_id && !bound_) {
      SLUICE_ASSIGN_OR_RETURN(uint64_t watermark, store_->MaxXactId());
      bound_ = std::min(*request_.max_xact_id, watermark);
    }
    return Status();
  }

  Status FetchPage() {
    const int64_t page = NextPageRows(store_->options().scan_page_rows, request_, returned_);
    if (page <= 0) {
      done_ = true;
      return Status();
    }
    SLUICE_RETURN_IF_ERROR(Bound());
    SLUICE_ASSIGN_OR_RETURN(auto c, store_->Acquire());
    // Marks are read per page: a retention run or restore takes effect for the next page.
    SLUICE_ASSIGN_OR_RETURN(auto marks, LoadActiveMarks(*c, request_.object));
    Params p;
    // Filters first: both number their parameters after those already added.
    std::string sql = std::string("SELECT ") + kEventColumns + " FROM events" + Filters(p);
    sql += Keyset(p);
    sql += VisibleSql(marks);
    switch (request_.order) {
      case model::ScanOrder::kXactAscending: sql += " ORDER BY xact_id, row_key"; break;
      case model::ScanOrder::kCreatedAscending: sql += " ORDER BY created, row_key"; break;
      case model::ScanOrder::kCreatedDescending:
        sql += " ORDER BY created DESC, row_key DESC";
        break;
    }
    sql += " LIMIT " + std::to_string(page);
    SLUICE_ASSIGN_OR_RETURN(Rows r, c->QueryOnce(sql, p));
    for (int i = 0; i < r.size(); ++i) buffer_.push_back(ReadEvent(r, i));
    if (r.size() < page) done_ = true;
    if (r.size() > 0) {
      last_ = model::XactCursor{buffer_.back().xact_id, buffer_.back().row_key};
      last_created_ = buffer_.back().created;
    }
    return Status();
  }

  PgStore* store_;
  model::ScanRequest request_;
  std::optional<uint64_t> bound_;  // max_xact_id clamped to the watermark at the first page
  std::deque<model::Event> buffer_;
  std::optional<model::XactCursor> last_;
  TimestampMicros last_created_ = 0;
  int64_t returned_ = 0;
  bool done_ = false;
};

}  // namespace

Result<std::unique_ptr<model::EventStream>> PgStore::Scan(const model::ScanRequest& request) {
  SLUICE_RETURN_IF_ERROR(CheckScanRequest(request));
  return std::unique_ptr<model::EventStream>(new PgEventStream(this, request));
}

Result<int64_t> PgStore::CountRows(const model::ScanRequest& request) {
  SLUICE_RETURN_IF_ERROR(CheckScanRequest(request));
  return PgEventStream(this, request).Count();
}

Result<std::optional<model::XactCursor>> PgStore::NthRowPosition(const model::ScanRequest& request,
                                                                 int64_t n) {
  SLUICE_RETURN_IF_ERROR(CheckPositionRequest(request, n));
  return PgEventStream(this, request).Position(n);
}

}  // namespace sluice::store::postgres
