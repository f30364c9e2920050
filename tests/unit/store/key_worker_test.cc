// The key worker runs the store's jobs on sealed segments' keys in the order queued, holds a job
// queued for later until its time, and when the store closes runs every job left at once but
// the id filters (which only save reads).
#include "store/sqlite/key_worker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <mutex>
#include <vector>

namespace sluice::store::sqlite {
namespace {

// Records the segments of the jobs run, in order; lets a test wait for a count of them.
class Ran {
 public:
  void Add(const KeyJob& job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      segs_.push_back(job.seg);
    }
    cv_.notify_all();
  }
  // False when fewer than `count` jobs ran within 30 s (a failure, not a hang).
  bool WaitFor(size_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return segs_.size() >= count; });
  }
  std::vector<int64_t> segs() {
    std::lock_guard<std::mutex> lock(mu_);
    return segs_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<int64_t> segs_;
};

// WaitIdle, failing the test instead of hanging when the worker does not become idle.
::testing::AssertionResult IdleWithin30s(KeyWorker& worker) {
  auto idle = std::async(std::launch::async, [&worker] { worker.WaitIdle(); });
  if (idle.wait_for(std::chrono::seconds(30)) == std::future_status::ready) {
    return ::testing::AssertionSuccess();
  }
  worker.Stop();  // runs or drops what is left and wakes WaitIdle, so that `idle` can end
  return ::testing::AssertionFailure() << "the worker was still busy after 30 s";
}

KeyJob Job(KeyJob::Kind kind, int64_t seg, std::chrono::hours after = std::chrono::hours(0)) {
  KeyJob job{kind, seg, "events_" + std::to_string(seg)};
  if (after.count() > 0) job.not_before = std::chrono::steady_clock::now() + after;
  return job;
}

TEST(KeyWorker, RunsJobsInTheOrderQueued) {
  Ran ran;
  KeyWorker worker;
  worker.Queue(Job(KeyJob::Kind::kFilter, 3));
  worker.Queue(Job(KeyJob::Kind::kWriteKeys, 1));
  worker.Queue(Job(KeyJob::Kind::kDropKeys, 2));
  worker.Start([&](KeyJob job) { ran.Add(job); });
  ASSERT_TRUE(IdleWithin30s(worker));
  EXPECT_EQ(ran.segs(), (std::vector<int64_t>{3, 1, 2}));
}

TEST(KeyWorker, AJobItsRunQueuesAgainKeepsTheWorkerBusyUntilItIsDone) {
  Ran ran;
  KeyWorker worker;
  worker.Start([&](KeyJob job) {
    ran.Add(job);
    // Fails twice, as a key-table write on a full disk would, then succeeds.
    if (++job.failures < 3) worker.Queue(job);
  });
  worker.Queue(Job(KeyJob::Kind::kWriteKeys, 7));
  ASSERT_TRUE(IdleWithin30s(worker));
  EXPECT_EQ(ran.segs(), (std::vector<int64_t>{7, 7, 7}));
}

TEST(KeyWorker, AJobForLaterWaitsUntilTheWorkerStopsWhichRunsItButNotAFilter) {
  Ran ran;
  KeyWorker worker;
  worker.Start([&](KeyJob job) { ran.Add(job); });
  worker.Queue(Job(KeyJob::Kind::kWriteKeys, 1, std::chrono::hours(1)));
  worker.Queue(Job(KeyJob::Kind::kFilter, 2, std::chrono::hours(1)));
  worker.Queue(Job(KeyJob::Kind::kDropKeys, 3));
  ASSERT_TRUE(ran.WaitFor(1));
  EXPECT_EQ(ran.segs(), (std::vector<int64_t>{3}));  // the ready one, past the two for later
  EXPECT_FALSE(worker.stopping());
  worker.Stop();
  EXPECT_TRUE(worker.stopping());
  EXPECT_EQ(ran.segs(), (std::vector<int64_t>{3, 1}));
  worker.Stop();  // a second Stop, as the destructor makes, is harmless
}

}  // namespace
}  // namespace sluice::store::sqlite
