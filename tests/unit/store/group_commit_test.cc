// Group commit: every request submitted from many threads is committed exactly once, by one
// commit at a time, in groups that stop growing once they reach their row limit.
#include "store/sqlite/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace sluice::store::sqlite {
namespace {

struct Request {
  int id;
  size_t rows;
  int commits = 0;  // how often a group holding it was committed
};

TEST(GroupCommit, EveryRequestIsCommittedOnceByOneCommitAtATimeInGroupsUpToTheRowLimit) {
  constexpr size_t kMaxRows = 10;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 300;
  GroupCommit<Request> commits(kMaxRows);
  std::atomic<int> committing{0};
  std::atomic<bool> overlapped{false};
  std::vector<std::vector<Request*>> groups;  // written inside commits only
  auto commit = [&](const std::vector<Request*>& group) {
    if (committing.fetch_add(1) != 0) overlapped = true;
    for (Request* r : group) ++r->commits;
    groups.push_back(group);
    committing.fetch_sub(1);
  };
  std::vector<std::vector<Request>> requests(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    for (int k = 0; k < kPerThread; ++k) {
      requests[t].push_back({t * kPerThread + k, static_cast<size_t>(1 + (t + k) % 4)});
    }
    threads.emplace_back([&, t] {
      for (Request& r : requests[t]) {
        commits.Submit(&r, r.rows, commit);
        // Returned: its group was committed.
        EXPECT_EQ(r.commits, 1) << "request " << r.id;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_FALSE(overlapped);
  size_t committed = 0;
  for (const std::vector<Request*>& group : groups) {
    ASSERT_FALSE(group.empty());
    committed += group.size();
    size_t before_last = 0;
    for (size_t i = 0; i + 1 < group.size(); ++i) before_last += group[i]->rows;
    EXPECT_LT(before_last, kMaxRows) << "a group grew past its limit";
  }
  EXPECT_EQ(committed, static_cast<size_t>(kThreads * kPerThread));
  for (const std::vector<Request>& mine : requests) {
    for (const Request& r : mine) EXPECT_EQ(r.commits, 1) << "request " << r.id;
  }
}

TEST(GroupCommit, RequestsThatArriveDuringACommitGoTogetherInTheNextGroupsUpToTheLimit) {
  GroupCommit<Request> commits(10);
  std::vector<std::vector<int>> groups;
  bool all_queued = false;
  std::atomic<bool> first_committing{false};
  auto commit = [&](const std::vector<Request*>& group) {
    if (groups.empty()) {
      first_committing = true;
      // The first group waits until the five others are queued behind it (30 s at most, so
      // that a broken queue fails the test instead of hanging it).
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (commits.queued() < 5 && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::yield();
      }
      all_queued = commits.queued() == 5;
    }
    std::vector<int> ids;
    for (Request* r : group) {
      ++r->commits;
      ids.push_back(r->id);
    }
    groups.push_back(ids);
  };
  Request first{0, 1};
  std::vector<Request> others;
  for (int id = 1; id <= 5; ++id) others.push_back({id, 3});
  std::thread leader([&] { commits.Submit(&first, first.rows, commit); });
  while (!first_committing) std::this_thread::yield();
  std::vector<std::thread> threads;
  for (Request& r : others) {
    threads.emplace_back([&commits, &commit, &r] { commits.Submit(&r, r.rows, commit); });
  }
  leader.join();
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(all_queued);
  // 3 + 3 + 3 rows are under the limit of 10, so a fourth joins; the fifth goes alone.
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0], std::vector<int>{0});
  EXPECT_EQ(groups[1].size(), 4u);
  EXPECT_EQ(groups[2].size(), 1u);
  for (const Request& r : others) EXPECT_EQ(r.commits, 1) << "request " << r.id;
}

TEST(GroupCommit, ARequestAloneIsCommittedOnItsOwnThread) {
  GroupCommit<Request> commits(10);
  Request r{1, 50};  // over the limit alone: a group of one
  std::thread::id committed_on;
  commits.Submit(&r, r.rows, [&](const std::vector<Request*>& group) {
    ASSERT_EQ(group.size(), 1u);
    ++group[0]->commits;
    committed_on = std::this_thread::get_id();
  });
  EXPECT_EQ(r.commits, 1);
  EXPECT_EQ(committed_on, std::this_thread::get_id());
}

}  // namespace
}  // namespace sluice::store::sqlite
