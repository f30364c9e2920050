// The lease contract (Store::TryAcquireLease and friends) on both backends: one holder at a
// time, expiry by the caller's time, renewal only while held, release. Times are explicit
// values (a fake clock), so expiry needs no waiting.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "store_backends.h"

namespace sluice::store {
namespace {

using testing::Backend;

constexpr TimestampMicros kT0 = 1'714'564'800'000'000LL;
constexpr TimestampMicros kTtl = 60'000'000;

const auto* const kPgEnvironment = testing::SharedPg::Get();

class StoreLease : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string skip;
    store_ = testing::OpenFreshStore(GetParam(), dir_, &skip);
    if (!skip.empty()) GTEST_SKIP() << skip;
    ASSERT_NE(store_, nullptr);
  }
  bool Acquire(const std::string& owner, TimestampMicros now, const std::string& name = "job") {
    auto r = store_->TryAcquireLease(name, owner, now, now + kTtl);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && *r;
  }
  bool Renew(const std::string& owner, TimestampMicros now) {
    auto r = store_->RenewLease("job", owner, now, now + kTtl);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && *r;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreLease, OneOwnerAtATime) {
  EXPECT_TRUE(Acquire("a", kT0));
  EXPECT_FALSE(Acquire("b", kT0 + 1));
  EXPECT_TRUE(Acquire("a", kT0 + 2)) << "the holder takes its own lease again";
  EXPECT_TRUE(Acquire("b", kT0, "other")) << "leases are per name";
  EXPECT_EQ(*store_->LeaseOwner("job", kT0 + 3), "a");
  EXPECT_EQ(*store_->LeaseOwner("job", kT0 + 2 + kTtl), "") << "expired";
  EXPECT_EQ(*store_->LeaseOwner("never", kT0), "");
}

TEST_P(StoreLease, ExpiredLeaseIsTakenOver) {
  ASSERT_TRUE(Acquire("a", kT0));
  EXPECT_FALSE(Acquire("b", kT0 + kTtl - 1));
  EXPECT_TRUE(Acquire("b", kT0 + kTtl));
  EXPECT_FALSE(Acquire("a", kT0 + kTtl + 1));
}

TEST_P(StoreLease, RenewExtendsAndFailsAfterLoss) {
  ASSERT_TRUE(Acquire("a", kT0));
  EXPECT_TRUE(Renew("a", kT0 + kTtl / 2));
  EXPECT_FALSE(Acquire("b", kT0 + kTtl)) << "renewed until kT0 + 1.5 ttl";
  EXPECT_FALSE(Renew("b", kT0 + kTtl)) << "only the holder renews";
  ASSERT_TRUE(Acquire("b", kT0 + 2 * kTtl));
  EXPECT_FALSE(Renew("a", kT0 + 2 * kTtl + 1)) << "lost to b";
  // An expired lease nobody took is lost as well: renew does not revive it.
  ASSERT_TRUE(Acquire("c", kT0, "x"));
  auto r = store_->RenewLease("x", "c", kT0 + kTtl, kT0 + 2 * kTtl);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
}

TEST_P(StoreLease, ReleaseFreesOnlyOwnLease) {
  ASSERT_TRUE(Acquire("a", kT0));
  ASSERT_TRUE(store_->ReleaseLease("job", "b").ok());
  EXPECT_FALSE(Acquire("b", kT0 + 1)) << "release by a non-holder is a no-op";
  ASSERT_TRUE(store_->ReleaseLease("job", "a").ok());
  EXPECT_FALSE(Renew("a", kT0 + 2));
  EXPECT_TRUE(Acquire("b", kT0 + 3));
}

TEST_P(StoreLease, RacingOwnersOneWins) {
  constexpr int kOwners = 6;
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kOwners; ++i) {
    threads.emplace_back([&, i] {
      auto r = store_->TryAcquireLease("race", "o" + std::to_string(i), kT0, kT0 + kTtl);
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (r.ok() && *r) ++winners;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreLease,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres, Backend::kFake),
                         testing::BackendName);

}  // namespace
}  // namespace sluice::store
