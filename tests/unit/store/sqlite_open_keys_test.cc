// The open segment's in-memory keys: every row added is found by its id and root hash, and keys
// that take over a sealed segment's memory list nothing of that segment. Sealed segments' id
// filters rule out almost every absent id and never one added.
#include "store/sqlite/sqlite_open_keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "store/sqlite/sqlite_db.h"

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

// A new id is looked up in every sealed segment's filter before it is inserted, and a false
// positive costs a read of that segment's index: with 40 segments, at most about one new id in
// 10 may pay one. No id added may ever be ruled out. A server keeps one filter per sealed
// segment in memory (37 at 10M stored spans): each takes its 16 bits per id, not a power of two
// past that. (Ids are fixed texts: the same run each time.)
TEST(IdFilter, RulesOutAlmostEveryAbsentIdOfAFullSegment) {
  constexpr int64_t kKeys = 270'000;  // a sealed segment's rows
  IdFilter filter(kKeys);
  EXPECT_LE(filter.bytes(), kKeys * 20 / 8 + 64);
  for (int64_t i = 0; i < kKeys; ++i) {
    filter.Add(1 + i % 3, TextKeyHash("stored-span-" + std::to_string(i)));
  }
  for (int64_t i = 0; i < kKeys; ++i) {
    ASSERT_TRUE(filter.MayContain(1 + i % 3, TextKeyHash("stored-span-" + std::to_string(i)))) << i;
  }
  int64_t positives = 0;
  constexpr int64_t kProbes = 1'000'000;
  for (int64_t i = 0; i < kProbes; ++i) {
    positives += filter.MayContain(1 + i % 3, TextKeyHash("new-span-" + std::to_string(i))) ? 1 : 0;
  }
  // Under 0.05%: each false positive costs an insert a read of the segment's key table.
  EXPECT_LT(positives, kProbes / 2000) << positives << " false positives in " << kProbes;
  // The rate, for docs/benchmarks.md ("As the store grows to 10M spans").
  std::printf("IdFilter: %lld false positives in %lld probes\n", static_cast<long long>(positives),
              static_cast<long long>(kProbes));
}

// The open segment's in-memory keys list every row added under a hash, through the table's
// growth: a trace's root with thousands of spans, ids that collide with roots' hashes, and hashes
// never added (none listed).
TEST(OpenKeys, ListsEveryRowOfEachHashThroughGrowth) {
  OpenKeys keys(true);
  constexpr int64_t kRows = 50'000, kPerRoot = 5'000;
  for (int64_t r = 1; r <= kRows; ++r)
    keys.Add(/*id_hash=*/r * 7919, /*root_hash=*/r / kPerRoot, r);
  EXPECT_EQ(keys.rows(), static_cast<size_t>(kRows));
  for (int64_t r : {int64_t{1}, int64_t{4'999}, int64_t{25'000}, kRows}) {
    std::vector<int64_t> found;
    keys.RowsWithId(r * 7919, &found);
    EXPECT_EQ(found, std::vector<int64_t>{r});
  }
  std::vector<int64_t> trace;
  keys.RowsWithRoot(3, &trace);
  std::sort(trace.begin(), trace.end());
  ASSERT_EQ(trace.size(), static_cast<size_t>(kPerRoot));
  EXPECT_EQ(trace.front(), 3 * kPerRoot);
  EXPECT_EQ(trace.back(), 4 * kPerRoot - 1);
  std::vector<int64_t> none;
  keys.RowsWithId(7919 * kRows + 1, &none);
  keys.RowsWithRoot(kRows, &none);
  EXPECT_TRUE(none.empty());
  // A row replaced or rolled back stays listed next to the new one (readers test the row).
  keys.Add(7919, 0, kRows + 1);
  std::vector<int64_t> both;
  keys.RowsWithId(7919, &both);
  std::sort(both.begin(), both.end());
  EXPECT_EQ(both, (std::vector<int64_t>{1, kRows + 1}));
}

}  // namespace
}  // namespace sluice::store::sqlite
