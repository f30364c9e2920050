// Streamed scans on PostgreSQL: keyset pages, each one short query, so a long scan holds no
// transaction and at most two pages of rows. The next page's query is sent as soon as a page
// arrives, so the server reads it while the caller decodes this one (the two share the
// machine's cores), and rows come in binary format, decoded into the caller's row in place.
#include <algorithm>

#include "store/postgres/pg_retention.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_store.h"

namespace sluice::store::postgres {

namespace {

class PgEventStream final : public model::EventStream {
 public:
  PgEventStream(PgStore* store, model::ScanRequest request)
      : store_(store), request_(std::move(request)) {}

  ~PgEventStream() override {
    // A page still in flight is read off, so the connection can go back to the pool (the pool
    // closes a connection that is not idle, at the cost of a new one for the next read).
    if (conn_ && in_flight_) (*conn_)->Receive().status().IgnoreError();
  }

  Result<bool> Next(model::Event* row) override {
    if (!page_ || next_row_ >= page_->size()) {
      Status st = NextPage();
      if (!st.ok()) {
        done_ = true;
        page_.reset();
        conn_.reset();
        return st;
      }
      if (!page_) return false;
    }
    ReadPgEvent(*page_, next_row_++, row);
    return true;
  }

  // Counts what the whole scan returns, reading no row's fields.
  Result<int64_t> Count() {
    const std::string limit =
        request_.limit > 0 ? " LIMIT " + std::to_string(request_.limit) : std::string();
    SLUICE_ASSIGN_OR_RETURN(Rows r, QueryWholeScan("SELECT count(*) FROM (", "1", limit + ") t"));
    return r.size() > 0 ? r.Int(0, 0) : 0;
  }

  // The position of the n-th row the whole scan returns, reading no row's fields.
  Result<std::optional<model::XactCursor>> Position(int64_t n) {
    SLUICE_ASSIGN_OR_RETURN(Rows r, QueryWholeScan("", "xact_id, row_key",
                                                   " ORDER BY xact_id, row_key OFFSET " +
                                                       std::to_string(n - 1) + " LIMIT 1"));
    if (r.size() == 0) return std::optional<model::XactCursor>();
    return std::optional<model::XactCursor>(
        model::XactCursor{static_cast<uint64_t>(r.Int(0, 0)), r.Int(0, 1)});
  }

 private:
  // `before` + the whole scan selecting `columns` (its filters, keyset bound and the rows
  // retention hides left out) + `after`, run once on a pooled connection.
  Result<Rows> QueryWholeScan(const std::string& before, const char* columns,
                              const std::string& after) {
    SLUICE_RETURN_IF_ERROR(Bound());
    SLUICE_ASSIGN_OR_RETURN(auto c, store_->Acquire());
    SLUICE_ASSIGN_OR_RETURN(auto marks, LoadActiveMarks(*c, request_.object));
    Params p;
    // Filters first: both number their parameters after those already added.
    std::string sql = before + "SELECT " + columns + " FROM events" + Filters(p);
    sql += Keyset(p);
    sql += VisibleSql(marks);
    return c->QueryOnce(sql + after, p);
  }

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

  // Sends the query of the page after `last_` (or the first), with the retention marks as
  // they are now: a retention run or restore takes effect for the next page.
  Status SendPage() {
    const int64_t page = NextPageRows(store_->options().scan_page_rows, request_, fetched_);
    if (page <= 0) {
      done_ = true;
      return Status();
    }
    SLUICE_RETURN_IF_ERROR(Bound());
    if (!conn_) {
      SLUICE_ASSIGN_OR_RETURN(auto lease, store_->Acquire());
      conn_.emplace(std::move(lease));
    }
    Connection& c = **conn_;
    SLUICE_ASSIGN_OR_RETURN(auto marks, LoadActiveMarks(c, request_.object));
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
    SLUICE_RETURN_IF_ERROR(c.Send(sql, p, /*binary_results=*/true));
    in_flight_ = page;
    return Status();
  }

  // Makes the page in flight current (nullopt once the scan is done) and sends the next one.
  Status NextPage() {
    page_.reset();
    next_row_ = 0;
    if (!in_flight_ && !done_) SLUICE_RETURN_IF_ERROR(SendPage());
    if (!in_flight_) {
      conn_.reset();
      return Status();
    }
    const int64_t asked = in_flight_;
    in_flight_ = 0;
    SLUICE_ASSIGN_OR_RETURN(Rows r, (*conn_)->Receive());
    fetched_ += r.size();
    if (r.size() < asked) done_ = true;
    if (r.size() > 0) {
      const int last = r.size() - 1;
      last_ = model::XactCursor{static_cast<uint64_t>(r.BinaryInt64(last, kXactIdColumn)),
                                r.BinaryInt64(last, kRowKeyColumn)};
      last_created_ = r.BinaryInt64(last, kCreatedColumn);
      page_.emplace(std::move(r));
    }
    if (!done_) SLUICE_RETURN_IF_ERROR(SendPage());
    if (!in_flight_) conn_.reset();
    return Status();
  }

  PgStore* store_;
  model::ScanRequest request_;
  std::optional<uint64_t> bound_;  // max_xact_id clamped to the watermark at the first page
  std::optional<ConnectionPool::Lease> conn_;  // held while a page is in flight
  int64_t in_flight_ = 0;                      // rows asked for by the page in flight, or 0
  std::optional<Rows> page_;                   // the page being returned
  int next_row_ = 0;                           // its next row
  std::optional<model::XactCursor> last_;      // the last row fetched
  TimestampMicros last_created_ = 0;
  int64_t fetched_ = 0;
  bool done_ = false;  // no page left to send
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

Result<std::optional<int64_t>> PgStore::CountMatching(const model::ScanRequest& request) {
  if (request.limit != 0) return InvalidArgumentError("a counted scan takes no limit");
  if (!request.json_matches.empty()) return std::optional<int64_t>();
  SLUICE_ASSIGN_OR_RETURN(const int64_t n, CountRows(request));
  return std::optional<int64_t>(n);
}

Result<std::optional<model::XactCursor>> PgStore::NthRowPosition(const model::ScanRequest& request,
                                                                 int64_t n) {
  SLUICE_RETURN_IF_ERROR(CheckPositionRequest(request, n));
  return PgEventStream(this, request).Position(n);
}

}  // namespace sluice::store::postgres
