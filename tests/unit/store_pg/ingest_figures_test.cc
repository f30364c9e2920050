// Ingest figures, not a check: InsertEvents of 100k generated spans in batches of 1,000 on
// SQLite and on PostgreSQL, printed side by side (spans/s and the ratio). Disabled by default;
// run with: store_pg_test --gtest_also_run_disabled_tests --gtest_filter='*IngestFigures*'
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "common/uuid.h"
#include "model/event_write.h"
#include "store_backends.h"

namespace sluice::store {
namespace {

constexpr TimestampMicros kNow = 1'714'564'800'000'000LL;
constexpr int kBatches = 100;
constexpr int kBatchRows = 1000;

std::vector<model::EventWrite> Batch(int b) {
  std::string body = R"({"events":[)";
  for (int i = 0; i < kBatchRows; ++i) {
    const std::string id = "s" + std::to_string(b) + "-" + std::to_string(i);
    body += (i ? "," : "") + std::string(R"({"id":")") + id + R"(","span_id":")" + id +
            R"(","root_span_id":"t)" + std::to_string(b) +
            R"(","input":{"messages":[{"role":)"
            R"("user","content":"What is the capital of France? Answer briefly."}]},)"
            R"("output":"Paris is the capital of France.","metadata":{"model":"gpt-4o",)"
            R"("user":"u)" +
            std::to_string(i % 97) +
            R"("},"metrics":{"start":1714564800.1,)"
            R"("end":1714564801.3,"prompt_tokens":21,"completion_tokens":8,"tokens":29},)"
            R"("scores":{"accuracy":0.9},"tags":["prod"]})";
  }
  return *model::ParseInsertRequest(body + "]}");
}

double SpansPerSecond(Store& store) {
  const model::Org org = *store.CreateOrg("bench");
  const model::Project p = *store.CreateProject({NewUuid(), org.id, "p", "", kNow});
  const model::ObjectRef logs{model::ObjectType::kProjectLogs, p.id};
  std::vector<std::vector<model::EventWrite>> batches;
  for (int b = 0; b < kBatches; ++b) batches.push_back(Batch(b));
  const auto start = std::chrono::steady_clock::now();
  for (const auto& batch : batches) {
    auto r = store.InsertEvents(logs, org.id, p.id, batch, kNow);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return kBatches * kBatchRows / seconds;
}

TEST(PgIngest, DISABLED_IngestFigures) {
  testing::TempDir dir;
  std::string skip;
  auto sqlite =
      testing::OpenFreshStore(testing::Backend::kSqlite, dir, &skip, testing::SmallPagePgOptions(),
                              store::sqlite::SqliteStoreOptions{}.segment_rows);
  auto pg = testing::OpenFreshStore(testing::Backend::kPostgres, dir, &skip,
                                    store::postgres::PgStoreOptions{});
  if (!skip.empty()) GTEST_SKIP() << skip;
  const double s = SpansPerSecond(*sqlite);
  const double p = SpansPerSecond(*pg);
  std::printf(
      "ingest 100k spans in 1k batches: sqlite %.0f spans/s, postgres %.0f spans/s, "
      "postgres/sqlite %.2f\n",
      s, p, p / s);
}

}  // namespace
}  // namespace sluice::store
