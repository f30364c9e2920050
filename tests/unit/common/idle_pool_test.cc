// The idle pool hands an object back out once its lease ended, opens another while every one is
// leased, drops what its reusable test refuses, and keeps no more than its limit idle.
#include "common/idle_pool.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace sluice {
namespace {

struct Conn {
  int id;
  bool broken = false;
};

class IdlePoolTest : public ::testing::Test {
 protected:
  IdlePool<Conn> pool_{2,
                       [this]() -> Result<std::unique_ptr<Conn>> {
                         if (fail_open_) return UnavailableError("cannot connect");
                         return std::make_unique<Conn>(Conn{++opened_});
                       },
                       [](Conn& c) { return !c.broken; }};
  int opened_ = 0;
  bool fail_open_ = false;
};

TEST_F(IdlePoolTest, ALeaseThatEndedIsHandedOutAgainWithoutOpeningAnother) {
  {
    auto a = pool_.Acquire();
    ASSERT_TRUE(a.ok());
    EXPECT_EQ((*a)->id, 1);
  }
  auto b = pool_.Acquire();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)->id, 1);
  EXPECT_EQ(opened_, 1);
  auto c = pool_.Acquire();  // the only one is leased: another is opened
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->id, 2);
}

TEST_F(IdlePoolTest, AnObjectTheReusableTestRefusesIsNotHandedOutAgain) {
  {
    auto a = pool_.Acquire();
    ASSERT_TRUE(a.ok());
    (*a)->broken = true;
  }
  auto b = pool_.Acquire();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)->id, 2);
}

TEST_F(IdlePoolTest, NoMoreThanTheLimitWaitIdle) {
  {
    std::vector<IdlePool<Conn>::Lease> leases;
    for (int k = 0; k < 3; ++k) {
      auto l = pool_.Acquire();
      ASSERT_TRUE(l.ok());
      leases.push_back(std::move(*l));
    }
  }  // three given back, two kept
  fail_open_ = true;
  auto a = pool_.Acquire();
  auto b = pool_.Acquire();
  EXPECT_TRUE(a.ok());
  EXPECT_TRUE(b.ok());
  auto c = pool_.Acquire();  // none idle: opening fails, and the error says why
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace sluice
