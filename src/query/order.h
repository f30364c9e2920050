// Output order: sort keys with directions plus a row key tiebreak, the bounded top-N heap that
// keeps memory proportional to the limit, and the comparison cursors resume from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "query/ast.h"
#include "query/value.h"

namespace sluice::query {

struct OrderKey {
  const Expr* expr = nullptr;  // evaluated over the row when column < 0
  int column = -1;             // output column otherwise
  bool descending = false;
};

struct Order {
  std::vector<OrderKey> keys;
  bool tiebreak_descending = false;  // the row key follows the last key's direction
  uint64_t fingerprint = 0;
};

// A candidate output row: its JSON text, or its typed columns for a ValueRowSink.
struct SortedRow {
  std::vector<Value> keys;
  int64_t row_key = 0;
  std::string json;
  std::vector<NamedValue> values;
};

// <0 when a comes first in the output. A null key comes after any value in either direction.
int CompareRows(const Order& order, const std::vector<Value>& a_keys, int64_t a_row_key,
                const std::vector<Value>& b_keys, int64_t b_row_key);

// Keeps the first `limit` rows in output order. Not thread-safe.
class TopN {
 public:
  // With `max_bytes` (0: no bound), the rows kept also end at the first one, in output order,
  // that brings their total to max_bytes, each row counting its JSON, `row_bytes` more and the
  // texts of its sort keys, so the page may hold fewer than `limit` (left_out() tells). A row
  // larger than max_bytes is still kept alone.
  TopN(const Order& order, size_t limit, size_t max_bytes = 0, size_t row_bytes = 0)
      : order_(order), limit_(limit), max_bytes_(max_bytes), row_bytes_(row_bytes) {}

  // Whether a row with these keys would be kept (check before building its JSON).
  bool WouldKeep(const std::vector<Value>& keys, int64_t row_key) const;
  // REQUIRES: WouldKeep(row.keys, row.row_key).
  void Add(SortedRow row);
  // The kept rows in output order; empties the heap.
  std::vector<SortedRow> Take();
  // Whether a row was dropped that sorts after the kept ones (by `limit` or by max_bytes).
  bool left_out() const { return horizon_.has_value(); }

 private:
  struct Position {
    std::vector<Value> keys;
    int64_t row_key = 0;
  };

  bool Before(const SortedRow& a, const SortedRow& b) const {
    return CompareRows(order_, a.keys, a.row_key, b.keys, b.row_key) < 0;
  }
  // Drops the kept row that sorts last, which becomes the horizon.
  void DropLast();
  // What a kept row counts against max_bytes: its JSON, row_bytes_, and its sort keys' texts.
  size_t Bytes(const SortedRow& row) const;

  const Order& order_;
  size_t limit_;
  size_t max_bytes_;
  size_t row_bytes_;
  size_t bytes_ = 0;  // the kept rows' JSON and row_bytes_ each
  // The last row dropped. Every row kept sorts before it, and every row seen that sorts before
  // it is kept, so the kept rows are always the first ones of the order among those seen.
  std::optional<Position> horizon_;
  std::vector<SortedRow> heap_;  // max-heap: the last row in output order on top
};

}  // namespace sluice::query
