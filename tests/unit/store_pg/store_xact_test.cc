// The cursor invariant on PostgreSQL with several writers (DESIGN.md §3): a reader that has
// seen every row up to MaxXactId() never later finds a committed row at or below it.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <map>
#include <random>
#include <thread>

#include "common/uuid.h"
#include "model/event_write.h"
#include "store_backends.h"

namespace sluice::store {
namespace {

using model::ObjectRef;
using model::ObjectType;

constexpr TimestampMicros kNow = 1'714'564'800'000'000LL;

class PgXact : public ::testing::Test {
 protected:
  void Open(postgres::PgStoreOptions options) {
    std::string skip;
    store_ = testing::OpenFreshStore(testing::Backend::kPostgres, dir_, &skip, std::move(options));
    if (!skip.empty()) GTEST_SKIP() << skip;
    ASSERT_NE(store_, nullptr);
    org_ = *store_->CreateOrg("acme");
    project_ = *store_->CreateProject({NewUuid(), org_.id, "p", "", kNow});
    logs_ = {ObjectType::kProjectLogs, project_.id};
  }

  Result<InsertResult> Insert(const std::vector<std::string>& ids) {
    std::string body = R"({"events":[)";
    for (size_t i = 0; i < ids.size(); ++i) {
      body += (i ? "," : "") + std::string(R"({"id":")") + ids[i] + R"("})";
    }
    auto w = model::ParseInsertRequest(body + "]}");
    if (!w.ok()) return w.status();
    return store_->InsertEvents(logs_, org_.id, project_.id, *w, kNow);
  }

  // Reads every row after *cursor up to the current watermark and moves the cursor.
  void ReadUpToWatermark(model::XactCursor* cursor, std::map<std::string, int>* seen) {
    auto watermark = store_->MaxXactId();
    ASSERT_TRUE(watermark.ok()) << watermark.status().ToString();
    model::ScanRequest r;
    r.object = logs_;
    r.after = *cursor;
    r.max_xact_id = *watermark;
    auto stream = store_->Scan(r);
    ASSERT_TRUE(stream.ok());
    model::Event e;
    for (;;) {
      auto more = (*stream)->Next(&e);
      ASSERT_TRUE(more.ok()) << more.status().ToString();
      if (!*more) break;
      ++(*seen)[e.id];
      *cursor = {e.xact_id, e.row_key};
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  model::Org org_;
  model::Project project_;
  ObjectRef logs_;
};

TEST_F(PgXact, WatermarkStaysBelowAnOpenTransaction) {
  std::promise<uint64_t> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> first{false};  // armed once the first row is in
  postgres::PgStoreOptions o = testing::SmallPagePgOptions();
  o.after_xact_id_taken = [&](uint64_t xact_id) {
    if (!first.exchange(false)) return;
    entered.set_value(xact_id);
    released.wait();
  };
  Open(std::move(o));
  if (IsSkipped()) return;
  ASSERT_TRUE(Insert({"before"}).ok());
  first = true;
  const uint64_t before = *store_->MaxXactId();
  std::thread slow([&] { EXPECT_TRUE(Insert({"slow"}).ok()); });
  const uint64_t slow_xact = entered.get_future().get();
  auto fast = Insert({"fast"});  // commits while "slow" is still open
  ASSERT_TRUE(fast.ok());
  EXPECT_GT(fast->xact_id, slow_xact);
  EXPECT_EQ(*store_->MaxXactId(), before);
  model::XactCursor cursor;
  std::map<std::string, int> seen;
  ReadUpToWatermark(&cursor, &seen);
  EXPECT_EQ(seen.count("fast"), 0u);  // committed, but above the watermark for now
  release.set_value();
  slow.join();
  EXPECT_EQ(*store_->MaxXactId(), fast->xact_id);
  ReadUpToWatermark(&cursor, &seen);
  EXPECT_EQ(seen, (std::map<std::string, int>{{"before", 1}, {"fast", 1}, {"slow", 1}}));
}

TEST_F(PgXact, ConcurrentWritersAndAnIncrementalReaderSeeEveryRowOnce) {
  constexpr int kWriters = 4;
  constexpr int kBatchesPerWriter = 40;
  constexpr int kRowsPerBatch = 5;
  postgres::PgStoreOptions o = testing::SmallPagePgOptions();
  o.scan_page_rows = 50;
  // Transactions stay open a random while after taking their _xact_id, so they commit out of
  // _xact_id order.
  o.after_xact_id_taken = [](uint64_t xact_id) {
    thread_local std::mt19937 rng(static_cast<unsigned>(xact_id));
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
  };
  Open(std::move(o));
  if (IsSkipped()) return;
  std::atomic<int> writers_left{kWriters};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int b = 0; b < kBatchesPerWriter; ++b) {
        std::vector<std::string> ids;
        for (int i = 0; i < kRowsPerBatch; ++i) {
          ids.push_back("w" + std::to_string(w) + "-" + std::to_string(b) + "-" +
                        std::to_string(i));
        }
        auto r = Insert(ids);
        EXPECT_TRUE(r.ok()) << r.status().ToString();
      }
      --writers_left;
    });
  }
  model::XactCursor cursor;
  std::map<std::string, int> seen;
  int passes = 0;
  while (writers_left > 0) {
    ReadUpToWatermark(&cursor, &seen);
    ++passes;
  }
  for (auto& t : writers) t.join();
  ReadUpToWatermark(&cursor, &seen);
  EXPECT_GT(passes, 1);
  EXPECT_EQ(seen.size(), static_cast<size_t>(kWriters * kBatchesPerWriter * kRowsPerBatch));
  for (const auto& [id, n] : seen) EXPECT_EQ(n, 1) << id;
}

}  // namespace
}  // namespace sluice::store
