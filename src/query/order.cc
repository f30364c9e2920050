#include "query/order.h"

#include <algorithm>

namespace sluice::query {

int CompareRows(const Order& order, const std::vector<Value>& a_keys, int64_t a_row_key,
                const std::vector<Value>& b_keys, int64_t b_row_key) {
  size_t n = std::min({order.keys.size(), a_keys.size(), b_keys.size()});
  for (size_t k = 0; k < n; ++k) {
    // Nulls come last in either direction, so "sort: score desc" starts with real scores.
    bool a_null = a_keys[k].is_null();
    if (a_null != b_keys[k].is_null()) return a_null ? 1 : -1;
    int c = CompareTotal(a_keys[k], b_keys[k]);
    if (c != 0) return order.keys[k].descending ? -c : c;
  }
  int c = a_row_key < b_row_key ? -1 : (a_row_key > b_row_key ? 1 : 0);
  return order.tiebreak_descending ? -c : c;
}

bool TopN::WouldKeep(const std::vector<Value>& keys, int64_t row_key) const {
  if (heap_.size() >= limit_) {  // the kept rows' last sorts before the horizon
    const SortedRow& worst = heap_.front();
    return CompareRows(order_, keys, row_key, worst.keys, worst.row_key) < 0;
  }
  return !horizon_ || CompareRows(order_, keys, row_key, horizon_->keys, horizon_->row_key) < 0;
}

namespace {

// The bytes a key holds beyond its Value: a string's or an object's text, an array's elements.
size_t KeyBytes(const Value& v) {
  size_t n = v.s.size();
  if (v.arr) {
    for (const Value& e : *v.arr) n += sizeof(Value) + KeyBytes(e);
  }
  return n;
}

}  // namespace

size_t TopN::Bytes(const SortedRow& row) const {
  size_t n = row.json.size() + row_bytes_;
  for (const Value& k : row.keys) n += KeyBytes(k);
  return n;
}

void TopN::DropLast() {
  std::pop_heap(heap_.begin(), heap_.end(),
                [this](const SortedRow& a, const SortedRow& b) { return Before(a, b); });
  SortedRow& last = heap_.back();
  bytes_ -= Bytes(last);
  horizon_ = Position{std::move(last.keys), last.row_key};
  heap_.pop_back();
}

void TopN::Add(SortedRow row) {
  bytes_ += Bytes(row);
  heap_.push_back(std::move(row));
  std::push_heap(heap_.begin(), heap_.end(),
                 [this](const SortedRow& a, const SortedRow& b) { return Before(a, b); });
  if (heap_.size() > limit_) DropLast();
  // The last row is not needed when the rows before it already reach max_bytes.
  while (max_bytes_ > 0 && heap_.size() > 1 && bytes_ - Bytes(heap_.front()) >= max_bytes_) {
    DropLast();
  }
}

std::vector<SortedRow> TopN::Take() {
  auto less = [this](const SortedRow& a, const SortedRow& b) { return Before(a, b); };
  std::sort_heap(heap_.begin(), heap_.end(), less);
  return std::move(heap_);
}

}  // namespace sluice::query
