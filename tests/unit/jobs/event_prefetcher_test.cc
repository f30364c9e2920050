#include "jobs/event_prefetcher.h"

#include <gtest/gtest.h>

namespace sluice::jobs {
namespace {

// Yields rows 1..n, then fails when `fail` is set.
class CountingStream final : public model::EventStream {
 public:
  CountingStream(int n, bool fail) : n_(n), fail_(fail) {}
  Result<bool> Next(model::Event* row) override {
    if (i_ == n_) {
      if (fail_) return UnavailableError("disk went away");
      return false;
    }
    ++i_;
    row->id = "r" + std::to_string(i_);
    row->xact_id = static_cast<uint64_t>(i_);
    return true;
  }

 private:
  int n_, i_ = 0;
  bool fail_;
};

TEST(EventPrefetcher, YieldsEveryRowInOrderThenAnEmptyBatch) {
  EventPrefetcher p(std::make_unique<CountingStream>(2500, false), 1000, 2);
  uint64_t expected = 1;
  std::vector<size_t> sizes;
  while (true) {
    auto batch = p.Next();
    ASSERT_TRUE(batch.ok());
    if ((*batch)->empty()) break;
    sizes.push_back((*batch)->size());
    for (const auto& e : **batch) ASSERT_EQ(e.xact_id, expected++);
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{1000, 1000, 500}));
  auto again = p.Next();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE((*again)->empty());
}

TEST(EventPrefetcher, DeliversTheRowsBeforeAnErrorThenTheError) {
  EventPrefetcher p(std::make_unique<CountingStream>(1500, true), 1000, 2);
  auto first = p.Next();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ((*first)->size(), 1000u);
  auto second = p.Next();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)->size(), 500u);
  auto third = p.Next();
  EXPECT_EQ(third.status().code(), StatusCode::kUnavailable);
}

TEST(EventPrefetcher, StopsCleanlyWhenTheConsumerLeavesEarly) {
  EventPrefetcher p(std::make_unique<CountingStream>(1'000'000, false), 100, 2);
  ASSERT_TRUE(p.Next().ok());
}  // the destructor must not wait for a million rows

}  // namespace
}  // namespace sluice::jobs
