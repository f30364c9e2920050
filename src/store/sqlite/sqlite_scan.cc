// Streamed keyset scans of rows (see model::EventStream).
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/catch_all.h"
#include "common/clock.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "store/sqlite/sqlite_retention.h"
#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store_sql.h"

namespace sluice::store::sqlite {

namespace {

// The SQLite JSON path of `keys` ($."a"."b"), or nullopt when a key cannot be written in one: a
// quoted label ends at the next '"' and takes no escapes, and stored JSON (canonical) escapes
// '\\' and control characters, which a label would then have to match byte for byte.
std::optional<std::string> JsonPathSql(const std::vector<std::string>& keys) {
  std::string path = "$";
  for (const std::string& k : keys) {
    if (k.empty()) return std::nullopt;
    for (char ch : k) {
      const auto c = static_cast<unsigned char>(ch);
      if (c < 0x20 || c == '"' || c == '\\') return std::nullopt;
    }
    path += ".\"" + k + "\"";
  }
  return path;
}

// The column of a model::kJsonFields name, or null.
const char* JsonColumn(std::string_view field) {
  for (const model::JsonField& f : model::kJsonFields) {
    if (field == f.name) return f.name;
  }
  return nullptr;
}

// The column and JSON path a match is tested on in SQL, or nullopt when it cannot be written
// there (PageSql then leaves it out, and CountMatching declines).
struct MatchInSql {
  const char* column;
  std::string path;
};
std::optional<MatchInSql> MatchSql(const model::JsonStringMatch& m) {
  const char* column = JsonColumn(m.field);
  std::optional<std::string> path = JsonPathSql(m.path);
  if (column == nullptr || !path || m.values.empty()) return std::nullopt;
  return MatchInSql{column, std::move(*path)};
}

// kEventColumns with the JSON fields a request does not need read as NULL.
std::string EventColumnsFor(const model::ScanRequest& r) {
  if (!r.json_fields) return kEventColumns;
  std::string out = "row_key, id, xact_id, created, span_id, root_span_id, span_parents, is_root";
  for (const model::JsonField& f : model::kJsonFields) {
    const bool used =
        std::find(r.json_fields->begin(), r.json_fields->end(), f.name) != r.json_fields->end();
    out += std::string(", ") + (used ? f.name : "NULL");
  }
  return out + ", tags, org_id, project_id, object_type, object_id";
}

// A list of ids (or roots) a scan asks for: the rows whose column holds one of them.
struct KeyList {
  bool roots;                   // root_span_id (root_hash), else id (id_hash)
  std::string hashes_sql;       // sluice_key_hash(?N), ... of the values' parameters
  std::vector<int64_t> hashes;  // the same, computed here (the open segment's OpenKeys)

  const char* hash_col() const { return roots ? "root_hash" : "id_hash"; }
};

// Appends to `sql` the condition that the row's id (root span id when `roots`) is one of
// `values`: the hash column finds the candidates (KeyListSql, from the list added to
// `key_lists`), the text column decides. The values are parameters, appended to `texts`.
void AppendKeyListSql(bool roots, const std::vector<std::string>& values, std::string* sql,
                      std::vector<std::string>* texts, std::vector<KeyList>* key_lists) {
  if (values.empty()) return;
  const char* col = roots ? "root_span_id" : "id";
  KeyList list{roots, "", {}};
  std::string texts_sql;
  for (size_t i = 0; i < values.size(); ++i) {
    texts->push_back(values[i]);
    const std::string param = std::to_string(texts->size() + 2);
    if (i > 0) {
      texts_sql += ',';
      list.hashes_sql += ',';
    }
    texts_sql += "?" + param;
    list.hashes_sql += "sluice_key_hash(?" + param + ")";
    list.hashes.push_back(TextKeyHash(values[i]));
  }
  *sql += std::string(" AND ") + col + " IN (" + texts_sql + ")";
  key_lists->push_back(std::move(list));
}

// Appends to `sql` the condition of JSON match `m` (none when it cannot be written in SQL), its
// path and values as parameters appended to `texts`. JSON matches are tested on each row the
// other conditions leave, before its fields are read out, exactly as the query engine tests them
// (CountMatching relies on it): the member's JSON token (`->`, which gives the stored token as it
// is) must be one of the values written as JSON strings. Stored texts are canonical, so a string
// member equal to a value has exactly that token, and no other member has it: not an object or
// array whose text equals the value, nor a string holding \u0000, which json_extract would cut
// at the NUL. For the same reason a row whose text holds none of the tokens cannot match, which
// `sluice_contains` tells before any JSON is parsed. A text that is not valid JSON reads as null
// (the query engine's view of it) rather than failing the scan.
void AppendJsonMatchSql(const model::JsonStringMatch& m, std::string* sql,
                        std::vector<std::string>* texts) {
  std::optional<MatchInSql> in_sql = MatchSql(m);
  if (!in_sql) return;
  const char* col = in_sql->column;
  texts->push_back(std::move(in_sql->path));
  const std::string path_param = "?" + std::to_string(texts->size() + 2);
  std::string values_sql;
  std::string present_sql;  // a token appears in the text: needed for a match, and cheap
  for (const std::string& v : m.values) {
    std::string token;
    AppendJsonString(token, v);
    texts->push_back(std::move(token));
    const std::string param = "?" + std::to_string(texts->size() + 2);
    values_sql += (values_sql.empty() ? "" : ",") + param;
    present_sql += std::string(present_sql.empty() ? "" : " OR ") + "sluice_contains(" + col +
                   ", " + param + ")";
  }
  *sql += " AND (" + present_sql + ") AND CASE WHEN json_valid(" + col + ") THEN (" + col + " -> " +
          path_param + ") IN (" + values_sql + ") END";
}

// Builds one segment's arm of the page query for a scan request (its table written "$E"), without
// its keyset bound: text parameters are numbered from ?3 and appended to `texts`; the ORDER BY
// clause goes to `order_by`. The id and root lists' candidates differ by segment (KeyListSql):
// they go to `key_lists`.
std::string PageSql(const model::ScanRequest& r, std::vector<std::string>* texts,
                    std::string* order_by, std::vector<KeyList>* key_lists,
                    const char* columns = kEventColumns) {
  // With id or root lists the rows come from the segments' keys (KeyListSql): the
  // unary + keeps the planner from walking the whole object in the order's index instead and
  // testing every row against the lists (measured: 1 ms per trace of a traces export). The
  // few rows found are sorted.
  const bool by_lists = !r.ids.empty() || !r.root_span_ids.empty();
  std::string sql = std::string("SELECT ") + columns + " FROM $E WHERE " +
                    (by_lists ? "+obj_key = " : "obj_key = ") + kObjectKeySql;
  if (r.max_xact_id) sql += " AND xact_id <= " + std::to_string(*r.max_xact_id);
  if (r.created_min) sql += " AND created >= " + std::to_string(*r.created_min);
  if (r.created_max) sql += " AND created < " + std::to_string(*r.created_max);
  AppendKeyListSql(false, r.ids, &sql, texts, key_lists);
  AppendKeyListSql(true, r.root_span_ids, &sql, texts, key_lists);
  for (const model::JsonStringMatch& m : r.json_matches) AppendJsonMatchSql(m, &sql, texts);
  switch (r.order) {
    case model::ScanOrder::kXactAscending: *order_by = " ORDER BY xact_id, row_key"; break;
    case model::ScanOrder::kCreatedAscending: *order_by = " ORDER BY created, row_key"; break;
    case model::ScanOrder::kCreatedDescending:
      *order_by = " ORDER BY created DESC, row_key DESC";
      break;
  }
  return sql;
}

// Streams a scan in keyset pages: each page is one short read on a pooled connection, so a
// long scan never holds a read transaction or more than a page of rows.
class SqliteEventStream final : public model::EventStream {
 public:
  SqliteEventStream(SqliteStore* store, model::ScanRequest request)
      : store_(store), request_(std::move(request)) {}

  // Rows are swapped out of the page buffer, so the caller's row gives its storage back to
  // the buffer: a long scan into reused rows allocates nothing per row.
  Result<bool> Next(model::Event* row) override {
    if (pos_ == count_ && !done_) SLUICE_RETURN_IF_ERROR(FetchPage());
    if (pos_ == count_) return false;
    std::swap(*row, buffer_[pos_++]);
    ++returned_;
    return true;
  }

  // What decides which of the object's rows a snapshot shows besides the rows themselves: the
  // last _xact_id taken (every write of events takes one) and the ids of the object's active
  // retention marks (adding a mark, restoring or purging a run changes them, and exemptions
  // change only with them).
  struct Seen {
    uint64_t last_xact = 0;
    std::vector<int64_t> mark_ids;
    bool operator==(const Seen&) const = default;
  };

  // Counts what the whole scan returns (up to its limit), reading no row's fields.
  Result<int64_t> Count() {
    SLUICE_ASSIGN_OR_RETURN(BegunCount begun, BeginCount(nullptr));
    return CountBegun(std::move(begun), nullptr);
  }

  // A reader in a snapshot, from BeginCount to CountBegun. The snapshot is declared after the
  // reader, so it ends before the reader goes back to the pool.
  struct BegunCount {
    SqliteStore::ReaderLease reader;
    std::unique_ptr<ReadSnapshot> snapshot;
    std::shared_ptr<const SegmentSet> segments;
  };

  // A count in two steps, so that the snapshots of several parts can begin one right after
  // another on one thread and be counted on others: BeginCount takes a reader and begins its
  // snapshot, CountBegun counts in it (on any thread). With `seen`, each also records what the
  // snapshot saw.
  Result<BegunCount> BeginCount(Seen* seen) {
    SLUICE_ASSIGN_OR_RETURN(SqliteStore::ReaderLease c, store_->AcquireReader());
    BegunCount begun{std::move(c), nullptr, nullptr};
    begun.snapshot = std::make_unique<ReadSnapshot>(*begun.reader);
    SLUICE_ASSIGN_OR_RETURN(begun.segments,
                            store_->SnapshotSegments(*begun.reader, *begun.snapshot));
    if (seen != nullptr) {
      SLUICE_ASSIGN_OR_RETURN(seen->last_xact, LastXactId(*begun.reader));
    }
    return begun;
  }

  Result<int64_t> CountBegun(BegunCount begun, Seen* seen) {
    SLUICE_ASSIGN_OR_RETURN(
        Statement * s, PreparePage(*begun.reader, *begun.segments, request_.limit, Select::kCount,
                                   seen != nullptr ? &seen->mark_ids : nullptr));
    SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
    const int64_t n = row ? s->Int(0) : 0;
    s->Reset();
    return n;
  }

  // The position of the n-th row the whole scan returns, reading no row's fields.
  Result<std::optional<model::XactCursor>> Position(int64_t n) {
    SLUICE_ASSIGN_OR_RETURN(auto c, store_->AcquireReader());
    ReadSnapshot snapshot(*c);
    SLUICE_ASSIGN_OR_RETURN(const std::shared_ptr<const SegmentSet> segments,
                            store_->SnapshotSegments(*c, snapshot));
    SLUICE_ASSIGN_OR_RETURN(Statement * s, PreparePage(*c, *segments, n, Select::kPosition));
    SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
    std::optional<model::XactCursor> at;
    if (row) at = model::XactCursor{static_cast<uint64_t>(s->Int(0)), s->Int(1)};
    s->Reset();
    return at;
  }

 private:
  // What a page query selects: the rows, their number, or the position of the last of them.
  enum class Select { kRows, kCount, kPosition };

  // Prepares and binds the next page's query over `segments` (at most `page` rows, 0: no
  // bound); with kCount, a query for the number of those rows instead (in no particular order);
  // with kPosition, for the (_xact_id, row_key) of the page-th row. The arms are merged in the
  // scan's order, each read in its own index's order. With `mark_ids`, the ids of the active
  // retention marks the query hides rows by.
  // With `bound` (pages of rows in _xact_id order), a page reads only the segments that hold the
  // next rows (XactPageWindow) and *bound gets the _xact_id below which it read every row, or
  // nullopt when it read all segments that have rows after the cursor.
  Result<Statement*> PreparePage(Connection& c, const SegmentSet& segments, int64_t page,
                                 Select select, std::vector<int64_t>* mark_ids = nullptr,
                                 std::optional<int64_t>* bound = nullptr) {
    const bool count = select == Select::kCount;
    std::vector<std::string> texts;
    std::string order_by;
    const std::string columns = count                         ? "1"
                                : select == Select::kPosition ? "xact_id, row_key"
                                                              : EventColumnsFor(request_);
    std::vector<KeyList> key_lists;
    std::vector<std::string> candidates;  // ?(next + 2)...: the open segment's, as JSON arrays
    std::string sql = PageSql(request_, &texts, &order_by, &key_lists, columns.c_str());
    const int next = static_cast<int>(texts.size()) + 3;
    if (last_) {
      switch (request_.order) {
        case model::ScanOrder::kXactAscending:
          sql += " AND (xact_id, row_key) > (?" + std::to_string(next) + ", ?" +
                 std::to_string(next + 1) + ")";
          break;
        case model::ScanOrder::kCreatedAscending:
          sql += " AND (created, row_key) > (?" + std::to_string(next) + ", ?" +
                 std::to_string(next + 1) + ")";
          break;
        case model::ScanOrder::kCreatedDescending:
          sql += " AND (created, row_key) < (?" + std::to_string(next) + ", ?" +
                 std::to_string(next + 1) + ")";
          break;
      }
    } else if (request_.after && request_.order == model::ScanOrder::kXactAscending) {
      sql += " AND (xact_id, row_key) > (?" + std::to_string(next) + ", ?" +
             std::to_string(next + 1) + ")";
    }
    // Marks are read per page: a retention run or restore takes effect for the next page.
    SLUICE_ASSIGN_OR_RETURN(auto marks, LoadActiveMarks(c, request_.object));
    sql += VisibleSql(marks);
    if (mark_ids != nullptr) {
      mark_ids->clear();
      for (const model::RetentionMark& m : marks) mark_ids->push_back(m.id);
    }
    // Each segment's condition: none ("") unless the created range leaves it out (nullopt) or
    // the id and root lists pick its rows.
    std::map<int64_t, std::optional<std::string>> conditions;
    if (request_.created_min || request_.created_max) {
      SLUICE_ASSIGN_OR_RETURN(conditions, ArmConditions(c, segments, !count));
    }
    for (const Segment& s : segments.segments) {
      auto it = conditions.try_emplace(s.seg, std::string()).first;
      if (!it->second || key_lists.empty()) continue;
      SLUICE_ASSIGN_OR_RETURN(std::string keyed,
                              KeyListSql(c, s, key_lists, next + 2, &candidates));
      *it->second += (it->second->empty() ? "" : " AND ") + keyed;
    }
    if (bound != nullptr) {
      *bound = std::nullopt;
      if (select == Select::kRows && request_.order == model::ScanOrder::kXactAscending &&
          key_lists.empty() && segments.segments.size() > 1) {
        SLUICE_ASSIGN_OR_RETURN(*bound, XactPageWindow(c, segments, &conditions));
      }
    }
    sql = UnionSql(segments, sql, [&](const Segment& s) { return conditions.at(s.seg); });
    if (!count) sql += order_by;
    if (select == Select::kPosition) {
      sql += " LIMIT 1 OFFSET " + std::to_string(page - 1);
    } else if (page > 0) {
      sql += " LIMIT " + std::to_string(page);
    }
    if (count) sql = "SELECT count(*) FROM (" + sql + ")";
    SLUICE_ASSIGN_OR_RETURN(Statement * s, c.Prepare(sql));
    s->Bind(1, static_cast<int64_t>(request_.object.type)).Bind(2, request_.object.id);
    for (size_t i = 0; i < texts.size(); ++i) s->Bind(static_cast<int>(i + 3), texts[i]);
    if (last_) {
      s->Bind(next, request_.order == model::ScanOrder::kXactAscending
                        ? static_cast<int64_t>(last_->xact_id)
                        : last_created_);
      s->Bind(next + 1, last_->row_key);
    } else if (request_.after && request_.order == model::ScanOrder::kXactAscending) {
      s->Bind(next, static_cast<int64_t>(request_.after->xact_id));
      s->Bind(next + 1, request_.after->row_key);
    }
    for (size_t i = 0; i < candidates.size(); ++i) {
      s->Bind(next + 2 + static_cast<int>(i), candidates[i]);
    }
    return s;
  }

  // Segment `s`'s condition for the rows of the request's id and root lists: for a segment with
  // OpenKeys (the open one), their candidates' row keys, taken after the page's snapshot began
  // (SnapshotSegments): the writer lists rows before they commit, so the candidates cover every
  // row of the snapshot. Else the segment's key tables answer.
  Result<std::string> KeyListSql(Connection& c, const Segment& s, const std::vector<KeyList>& lists,
                                 int first_param, std::vector<std::string>* candidates) {
    std::string out;
    for (const KeyList& list : lists) {
      if (!out.empty()) out += " AND ";
      if (s.keys == nullptr) {
        out += "row_key IN (SELECT row_key FROM " + s.table + (list.roots ? "_roots" : "_ids") +
               " WHERE obj_key = " + std::string(kObjectKeySql) + " AND " + list.hash_col() +
               " IN (" + list.hashes_sql + "))";
        continue;
      }
      SLUICE_RETURN_IF_ERROR(s.keys->Load(c, s.table));
      std::vector<int64_t> rows;
      for (int64_t hash : list.hashes) {
        if (list.roots) {
          s.keys->RowsWithRoot(hash, &rows);
        } else {
          s.keys->RowsWithId(hash, &rows);
        }
      }
      std::sort(rows.begin(), rows.end());
      rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
      // Bound as one JSON array, so that the statement's text does not change with the rows
      // (each new text is compiled again and pushes others out of the connection's cache).
      candidates->push_back(IntsToJson(rows));
      out += "row_key IN (SELECT value FROM json_each(?" +
             std::to_string(first_param + static_cast<int>(candidates->size()) - 1) + "))";
    }
    return out;
  }

  // A segment's least and greatest _xact_id of the object's rows (two seeks of its _xact_id
  // index); nullopt when it has none.
  struct XactRange {
    int64_t min = 0;
    int64_t max = 0;
  };
  Result<std::optional<XactRange>> FindXactRange(Connection& c, const Segment& s) {
    // Two subqueries: SQLite reads one end of the index for a lone min() or max(), and the
    // whole index for both in one SELECT.
    const std::string rows = " FROM " + s.table + " WHERE obj_key = " + std::string(kObjectKeySql);
    SLUICE_ASSIGN_OR_RETURN(Statement * q, c.Prepare("SELECT (SELECT min(xact_id)" + rows +
                                                     "), (SELECT max(xact_id)" + rows + ")"));
    q->Bind(1, static_cast<int64_t>(request_.object.type)).Bind(2, request_.object.id);
    SLUICE_ASSIGN_OR_RETURN(bool row, q->Step());
    std::optional<XactRange> out;
    if (row && !q->IsNull(0)) out = XactRange{q->Int(0), q->Int(1)};
    q->Reset();
    return out;
  }

  // For a page in _xact_id order: leaves out of `conditions` the segments that cannot hold the
  // page's rows, so that SQLite reads one segment where it would merge them all (a merge copies
  // every row it passes on into its own registers). Each segment's rows from the cursor (and
  // xact_floor_) on lie in [lo, max], lo its least _xact_id or the cursor's, whichever is
  // greater; F is the segment whose lo is least. The page reads F and every segment whose lo is
  // at most F's max, below the least lo of the others (the bound returned; nullopt when no segment
  // is left out). Visible or not, every row is inside its segment's range, so no row the page
  // leaves out is ordered before one it returns. A sealed segment only loses rows, so its range
  // stays a bound and is found once per stream; the open one's, per page. Segments may overlap
  // in _xact_id (rows moved to the open segment keep theirs); the page then merges those.
  Result<std::optional<int64_t>> XactPageWindow(
      Connection& c, const SegmentSet& segments,
      std::map<int64_t, std::optional<std::string>>* conditions) {
    std::optional<model::XactCursor> cursor = last_;
    if (!cursor && request_.after) cursor = *request_.after;
    const int64_t from =
        std::max(cursor ? static_cast<int64_t>(cursor->xact_id) : INT64_MIN, xact_floor_);
    struct Lo {
      int64_t seg;
      int64_t lo;
      int64_t max;
    };
    std::vector<Lo> los;
    for (const Segment& s : segments.segments) {
      if (!conditions->at(s.seg)) continue;  // left out already (the created range)
      std::optional<XactRange> range;
      if (s.state == SegmentState::kSealed) {
        auto it = xact_ranges_.find(s.seg);
        if (it == xact_ranges_.end()) {
          SLUICE_ASSIGN_OR_RETURN(range, FindXactRange(c, s));
          it = xact_ranges_.emplace(s.seg, range).first;
        }
        range = it->second;
      } else {
        SLUICE_ASSIGN_OR_RETURN(range, FindXactRange(c, s));
      }
      if (!range || range->max < from) {
        (*conditions)[s.seg] = std::nullopt;  // no row from the cursor on
        continue;
      }
      los.push_back({s.seg, std::max(range->min, from), range->max});
    }
    if (los.size() < 2) return std::optional<int64_t>();
    const Lo first = *std::min_element(los.begin(), los.end(),
                                       [](const Lo& a, const Lo& b) { return a.lo < b.lo; });
    std::optional<int64_t> bound;
    for (const Lo& l : los) {
      if (l.lo > first.max && (!bound || l.lo < *bound)) bound = l.lo;
    }
    if (!bound) return bound;
    const std::string below = "xact_id < " + std::to_string(*bound);
    for (const Lo& l : los) {
      std::optional<std::string>& cond = (*conditions)[l.seg];
      if (l.lo > first.max) {
        cond = std::nullopt;
      } else {
        *cond += (cond->empty() ? "" : " AND ") + below;
      }
    }
    return bound;
  }

  // What a segment holds of the scan's created range: nothing (its arm is left out), or rows
  // whose _xact_id lies in [min_xact, max_xact] (all of its rows when `all`).
  struct SegmentWindow {
    bool any = false;
    bool all = false;
    int64_t min_xact = 0;
    int64_t max_xact = 0;
  };

  // Reads segment `s`'s window from its created index: its first and last `created` (two
  // seeks), and only when the range cuts through them and `bounds` is set, the _xact_id bounds
  // of the rows inside (else the window is the whole segment).
  Result<SegmentWindow> FindWindow(Connection& c, const Segment& s, bool bounds) {
    const int64_t lo = request_.created_min.value_or(INT64_MIN);
    const int64_t hi = request_.created_max.value_or(INT64_MAX);
    const std::string where = " WHERE obj_key = " + std::string(kObjectKeySql);
    SLUICE_ASSIGN_OR_RETURN(
        Statement * ends,
        c.Prepare("SELECT (SELECT created FROM " + s.table + where + " ORDER BY created LIMIT 1)" +
                  ", (SELECT created FROM " + s.table + where + " ORDER BY created DESC LIMIT 1)"));
    ends->Bind(1, static_cast<int64_t>(request_.object.type)).Bind(2, request_.object.id);
    SLUICE_ASSIGN_OR_RETURN(bool row, ends->Step());
    SegmentWindow w;
    const bool empty = !row || ends->IsNull(0);
    const int64_t first = empty ? 0 : ends->Int(0);
    const int64_t last = empty ? 0 : ends->Int(1);
    ends->Reset();
    if (empty || last < lo || first >= hi) return w;
    w.any = true;
    w.all = !bounds || (first >= lo && last < hi);
    if (w.all) return w;
    SLUICE_ASSIGN_OR_RETURN(
        Statement * q,
        c.Prepare("SELECT min(xact_id), max(xact_id) FROM " + s.table + " INDEXED BY " + s.table +
                  "_by_created" + where + " AND created >= ?3 AND created < ?4"));
    q->Bind(1, static_cast<int64_t>(request_.object.type)).Bind(2, request_.object.id);
    q->Bind(3, lo).Bind(4, hi);
    SLUICE_ASSIGN_OR_RETURN(row, q->Step());
    w.any = row && !q->IsNull(0);
    if (w.any) {
      w.min_xact = q->Int(0);
      w.max_xact = q->Int(1);
    }
    q->Reset();
    return w;
  }

  // For a scan with a created range, each segment's arm condition (UnionSql): nullopt for a
  // segment without rows in the range, and for rows read in _xact_id order an _xact_id window,
  // which lets the _xact_id index walk only the range's rows instead of the segment from the
  // cursor to its end. A count (`ordered` false) reads its rows in no order, and finding a
  // window would walk the range's index entries once more. A sealed segment only loses rows, so
  // its window stays a bound and is found once per stream; the others' are found per page and
  // only decide whether they are read.
  Result<std::map<int64_t, std::optional<std::string>>> ArmConditions(Connection& c,
                                                                      const SegmentSet& segments,
                                                                      bool ordered) {
    const bool xact_order = ordered && request_.order == model::ScanOrder::kXactAscending;
    std::map<int64_t, std::optional<std::string>> out;
    for (const Segment& s : segments.segments) {
      SegmentWindow w;
      if (s.state == SegmentState::kSealed) {
        auto it = windows_.find(s.seg);
        if (it == windows_.end()) {
          SLUICE_ASSIGN_OR_RETURN(SegmentWindow found, FindWindow(c, s, xact_order));
          it = windows_.emplace(s.seg, found).first;
        }
        w = it->second;
      } else {
        SLUICE_ASSIGN_OR_RETURN(w, FindWindow(c, s, false));
      }
      if (!w.any) {
        out[s.seg] = std::nullopt;
      } else if (w.all) {
        out[s.seg] = std::string();
      } else {
        out[s.seg] =
            "xact_id BETWEEN " + std::to_string(w.min_xact) + " AND " + std::to_string(w.max_xact);
      }
    }
    return out;
  }

  Status FetchPage() {
    const int64_t page = NextPageRows(store_->options().scan_page_rows, request_, returned_);
    if (page <= 0) {
      done_ = true;
      return Status();
    }
    SLUICE_ASSIGN_OR_RETURN(auto c, store_->AcquireReader());
    ReadSnapshot snapshot(*c);
    SLUICE_ASSIGN_OR_RETURN(const std::shared_ptr<const SegmentSet> segments,
                            store_->SnapshotSegments(*c, snapshot));
    size_t n = 0;
    // A page that read only some segments (bound) and came back short has every row below the
    // bound: the next one starts there, in the same snapshot when this one found nothing.
    for (std::optional<int64_t> bound;;) {
      SLUICE_ASSIGN_OR_RETURN(Statement * s, PreparePage(*c, *segments, page, Select::kRows,
                                                         /*mark_ids=*/nullptr, &bound));
      for (;;) {
        SLUICE_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        if (n == buffer_.size()) buffer_.emplace_back();
        ReadEventInto(*s, &buffer_[n]);
        ++n;
      }
      s->Reset();
      if (static_cast<int64_t>(n) == page) break;
      if (!bound) {  // short, with every segment read: the scan's end
        done_ = true;
        break;
      }
      xact_floor_ = *bound;
      if (n > 0) break;
    }
    pos_ = 0;
    count_ = n;
    if (n > 0) {
      last_ = model::XactCursor{buffer_[n - 1].xact_id, buffer_[n - 1].row_key};
      last_created_ = buffer_[n - 1].created;
    }
    return Status();
  }

  SqliteStore* store_;
  model::ScanRequest request_;
  std::vector<model::Event> buffer_;  // rows [pos_, count_) are the page's unread ones
  size_t pos_ = 0;
  size_t count_ = 0;
  std::optional<model::XactCursor> last_;
  TimestampMicros last_created_ = 0;
  int64_t returned_ = 0;
  bool done_ = false;
  std::map<int64_t, SegmentWindow> windows_;  // sealed segments' windows, by segment number
  // Pages in _xact_id order: every row below this _xact_id was read or hidden (XactPageWindow).
  int64_t xact_floor_ = INT64_MIN;
  std::map<int64_t, std::optional<XactRange>> xact_ranges_;  // sealed segments', by number
};

}  // namespace

Result<std::unique_ptr<model::EventStream>> SqliteStore::Scan(const model::ScanRequest& request) {
  SLUICE_RETURN_IF_ERROR(CheckScanRequest(request));
  return std::unique_ptr<model::EventStream>(new SqliteEventStream(this, request));
}

namespace {

// The scan's created range cut into at most `parts` consecutive ranges of equal length, or
// nothing when it has no lower end or is too short to cut. An open upper end is taken as now
// for the cut (the last part keeps it open).
std::vector<model::ScanRequest> CreatedParts(const model::ScanRequest& request, int parts) {
  if (parts < 2 || request.limit != 0 || !request.created_min) return {};
  const int64_t lo = *request.created_min;
  const int64_t hi = request.created_max.value_or(RealClock().NowMicros());
  // In unsigned arithmetic: a range from far in the past to far in the future overflows int64.
  const uint64_t length = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  if (hi <= lo || length < static_cast<uint64_t>(parts)) return {};
  const uint64_t step = length / static_cast<uint64_t>(parts);
  std::vector<model::ScanRequest> out(static_cast<size_t>(parts), request);
  for (int i = 1; i < parts; ++i) {
    const auto cut = static_cast<int64_t>(static_cast<uint64_t>(lo) + i * step);
    out[i - 1].created_max = cut;
    out[i].created_min = cut;
  }
  return out;
}

}  // namespace

// The parts of a created range are counted at once, each on its own snapshot; the snapshots
// begin one right after another on the calling thread. When every part saw the same last
// _xact_id and the same active retention marks, nothing that decides which of the object's rows
// are visible (or their created, hence their part) changed between the snapshots, so the sum is
// the count of one snapshot. Else (a write committed in between) the range is counted again in
// one piece.
Result<int64_t> SqliteStore::CountRows(const model::ScanRequest& request) {
  SLUICE_RETURN_IF_ERROR(CheckScanRequest(request));
  std::vector<model::ScanRequest> parts = CreatedParts(request, options_.count_threads);
  if (parts.empty()) return SqliteEventStream(this, request).Count();
  struct Part {
    explicit Part(SqliteStore* store, model::ScanRequest r) : stream(store, std::move(r)) {}
    SqliteEventStream stream;
    SqliteEventStream::Seen seen;
    std::optional<SqliteEventStream::BegunCount> begun;
    Result<int64_t> n = int64_t{0};
  };
  std::vector<std::unique_ptr<Part>> counted;
  counted.reserve(parts.size());
  for (model::ScanRequest& r : parts) {
    counted.push_back(std::make_unique<Part>(this, std::move(r)));
    Part& p = *counted.back();
    SLUICE_ASSIGN_OR_RETURN(SqliteEventStream::BegunCount begun, p.stream.BeginCount(&p.seen));
    p.begun.emplace(std::move(begun));
  }
  auto count = [&](size_t i) {
    Part& p = *counted[i];
    Status thrown =
        CatchAll("count part", [&] { p.n = p.stream.CountBegun(std::move(*p.begun), &p.seen); });
    if (!thrown.ok()) p.n = std::move(thrown);
  };
  std::vector<std::thread> threads;
  threads.reserve(counted.size() - 1);
  size_t started = 1;
  try {
    for (; started < counted.size(); ++started) threads.emplace_back(count, started);
  } catch (const std::exception& e) {  // no thread to be had: the calling thread counts the rest
    SLUICE_LOG_WARN("counting in parts: {} of {} threads started ({})", started - 1,
                    counted.size() - 1, e.what());
  }
  for (size_t i = started; i < counted.size(); ++i) count(i);
  count(0);
  for (std::thread& t : threads) t.join();
  int64_t total = 0;
  for (const std::unique_ptr<Part>& p : counted) {
    SLUICE_RETURN_IF_ERROR(p->n.status());
    if (!(p->seen == counted[0]->seen)) return SqliteEventStream(this, request).Count();
    total += *p->n;
  }
  return total;
}

Result<std::optional<int64_t>> SqliteStore::CountMatching(const model::ScanRequest& request) {
  if (request.limit != 0) return InvalidArgumentError("a counted scan takes no limit");
  // A match PageSql leaves out (a key SQLite's paths cannot spell) would be counted as met.
  for (const model::JsonStringMatch& m : request.json_matches) {
    if (!MatchSql(m)) return std::optional<int64_t>();
  }
  SLUICE_ASSIGN_OR_RETURN(const int64_t n, CountRows(request));
  return std::optional<int64_t>(n);
}

Result<std::optional<model::XactCursor>> SqliteStore::NthRowPosition(
    const model::ScanRequest& request, int64_t n) {
  SLUICE_RETURN_IF_ERROR(CheckPositionRequest(request, n));
  return SqliteEventStream(this, request).Position(n);
}

}  // namespace sluice::store::sqlite
