// The open segment's in-memory keys: every row added is found by its id and root hash, and keys
// that take over a sealed segment's memory list nothing of that segment.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "store/sqlite/sqlite_segments.h"

namespace sluice::store::sqlite {
namespace {

// Rows [first, first + count): ids distinct, roots shared by runs of 7 rows, as traces are.
struct Fill {
  int64_t first;
  int64_t count;
  int64_t IdHash(int64_t i) const { return static_cast<int64_t>(0x9e3779b97f4a7c15ULL * (i + 1)); }
  int64_t RootHash(int64_t i) const { return IdHash(i / 7) ^ 0x5555; }
  int64_t RowKey(int64_t i) const { return 1'000'000 + i; }
  void Into(OpenKeys& keys) const {
    for (int64_t i = first; i < first + count; ++i) keys.Add(IdHash(i), RootHash(i), RowKey(i));
  }
};

std::vector<int64_t> WithId(const OpenKeys& keys, int64_t hash) {
  std::vector<int64_t> rows;
  keys.RowsWithId(hash, &rows);
  std::sort(rows.begin(), rows.end());
  return rows;
}

std::vector<int64_t> WithRoot(const OpenKeys& keys, int64_t hash) {
  std::vector<int64_t> rows;
  keys.RowsWithRoot(hash, &rows);
  std::sort(rows.begin(), rows.end());
  return rows;
}

// Every row of `fill` found by its id and its root, and nothing else listed.
void ExpectHoldsExactly(const OpenKeys& keys, const Fill& fill) {
  ASSERT_EQ(keys.rows(), static_cast<size_t>(fill.count));
  std::map<int64_t, std::vector<int64_t>> by_root;
  for (int64_t i = fill.first; i < fill.first + fill.count; ++i) {
    ASSERT_EQ(WithId(keys, fill.IdHash(i)), std::vector<int64_t>{fill.RowKey(i)}) << "row " << i;
    by_root[fill.RootHash(i)].push_back(fill.RowKey(i));
  }
  for (auto& [root, rows] : by_root) {
    std::sort(rows.begin(), rows.end());
    ASSERT_EQ(WithRoot(keys, root), rows);
  }
  size_t ids = 0;
  keys.ForEachId([&](int64_t hash, int64_t row_key) {
    ++ids;
    EXPECT_EQ(row_key - 1'000'000 >= fill.first && row_key - 1'000'000 < fill.first + fill.count,
              true)
        << "listed a row it was not given: " << row_key << " for " << hash;
  });
  EXPECT_EQ(ids, static_cast<size_t>(fill.count));
  size_t roots = 0;
  keys.ForEachRoot([&](int64_t, int64_t) { ++roots; });
  EXPECT_EQ(roots, static_cast<size_t>(fill.count));
}

TEST(OpenKeys, FindsEveryRowByIdAndRootAsTheMapsGrow) {
  OpenKeys keys(true);
  const Fill fill{0, 50'000};
  fill.Into(keys);
  ExpectHoldsExactly(keys, fill);
  EXPECT_TRUE(WithId(keys, fill.IdHash(50'000)).empty());
}

TEST(OpenKeys, KeysOnASealedSegmentsMemoryListNothingOfIt) {
  auto spares = std::make_shared<OpenKeys::Spares>();
  const Fill sealed{0, 40'000};
  {
    OpenKeys keys(true, spares);
    sealed.Into(keys);
  }
  // The next segment's keys start on that memory: empty, then holding only their own rows, also
  // when they list fewer rows than the segment before (stale slots would show) and more.
  for (const Fill& next : {Fill{100'000, 3'000}, Fill{200'000, 90'000}, Fill{300'000, 10}}) {
    OpenKeys keys(true, spares);
    EXPECT_EQ(keys.rows(), 0u);
    EXPECT_TRUE(WithId(keys, sealed.IdHash(5)).empty());
    EXPECT_TRUE(WithRoot(keys, sealed.RootHash(5)).empty());
    next.Into(keys);
    ExpectHoldsExactly(keys, next);
    EXPECT_TRUE(WithId(keys, sealed.IdHash(7)).empty());
  }
}

}  // namespace
}  // namespace sluice::store::sqlite
