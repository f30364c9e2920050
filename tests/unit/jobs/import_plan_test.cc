#include "jobs/import_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cloud/local/local_object_store.h"
#include "testing/temp_dir.h"

namespace sluice::jobs {
namespace {

std::string Manifest(const std::vector<std::tuple<std::string, int, std::string>>& files) {
  std::string out = R"({"run_id":"r","files":[)";
  for (size_t i = 0; i < files.size(); ++i) {
    const auto& [key, xact, sha] = files[i];
    out += (i ? "," : "") + std::string(R"({"key":")") + key + R"(","rows":2,"bytes":10,)" +
           R"("sha256":")" + sha + R"(","cursor_from":{"xact_id":")" + std::to_string(xact) +
           R"(","row_key":0}})";
  }
  return out + "]}";
}

std::vector<std::string> Keys(const ImportPlan& plan) {
  std::vector<std::string> out;
  for (const auto& f : plan.files) out.push_back(f.key);
  return out;
}

TEST(DateFolderOf, FindsTheDateFolderInEitherLayout) {
  EXPECT_EQ(DateFolderOf("2026-12-06/export_001.jsonl"), "2026-12-06");
  EXPECT_EQ(DateFolderOf("logs/date=2026-01-31/export_001.parquet"), "2026-01-31");
  EXPECT_EQ(DateFolderOf("a/2026-13-xx/export_001.jsonl"), "");
  EXPECT_EQ(DateFolderOf("export_001.jsonl"), "");
}

TEST(PlanImport, TakesEveryManifestFileOnceInExportOrderWithinTheDates) {
  sluice::testing::TempDir dir;
  cloud::LocalObjectStore store(dir.path());
  cloud::StorageUrl url;
  url.scheme = cloud::StorageUrl::Scheme::kFile;
  // Two runs; the second lists an older run's file again (a stale run closed by the next).
  ASSERT_TRUE(
      store
          .Put("_sluice/manifests/r2.json", Manifest({{"2026-12-07/export_001.jsonl", 30, "c"},
                                                      {"2026-12-06/export_002.jsonl", 20, "b"}}))
          .ok());
  ASSERT_TRUE(
      store
          .Put("_sluice/manifests/r1.json", Manifest({{"2026-12-06/export_001.jsonl", 10, "a"},
                                                      {"2026-12-06/export_002.jsonl", 20, "b"}}))
          .ok());
  ASSERT_TRUE(store.Put("2026-12-06/stray.jsonl", "{}\n").ok());  // in no manifest: not read
  auto plan = PlanImport(store, url, {});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->from_manifests);
  EXPECT_EQ(plan->manifests, 2);
  EXPECT_EQ(Keys(*plan),
            (std::vector<std::string>{"2026-12-06/export_001.jsonl", "2026-12-06/export_002.jsonl",
                                      "2026-12-07/export_001.jsonl"}));
  EXPECT_EQ(plan->files[1].sha256, "b");
  EXPECT_EQ(plan->files[1].rows, 2);
  auto day = PlanImport(store, url, {"2026-12-07", "2026-12-07", {}});
  EXPECT_EQ(Keys(*day), (std::vector<std::string>{"2026-12-07/export_001.jsonl"}));
  EXPECT_EQ(PlanImport(store, url, {"12/07/2026", "", {}}).status().code(),
            StatusCode::kInvalidArgument);
  // Named files (a retention run's archive): those only, in export order.
  auto named = PlanImport(store, url,
                          {"", "", {"2026-12-07/export_001.jsonl", "2026-12-06/export_001.jsonl"}});
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ(Keys(*named), (std::vector<std::string>{"2026-12-06/export_001.jsonl",
                                                    "2026-12-07/export_001.jsonl"}));
  auto gone = PlanImport(store, url, {"", "", {"2026-12-06/stray.jsonl"}});
  EXPECT_EQ(gone.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(gone.status().message(), ::testing::HasSubstr("stray.jsonl is in no manifest"));
}

TEST(PlanImport, WithoutManifestsTakesEveryJsonLinesFileInKeyOrder) {
  sluice::testing::TempDir dir;
  cloud::LocalObjectStore store(dir.path());
  cloud::StorageUrl url;
  url.scheme = cloud::StorageUrl::Scheme::kFile;
  ASSERT_TRUE(store.Put("b.jsonl", "").ok());
  ASSERT_TRUE(store.Put("a/x.jsonl", "").ok());
  ASSERT_TRUE(store.Put("notes.txt", "").ok());
  auto plan = PlanImport(store, url, {});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_FALSE(plan->from_manifests);
  EXPECT_EQ(Keys(*plan), (std::vector<std::string>{"a/x.jsonl", "b.jsonl"}));
  EXPECT_EQ(plan->files[0].rows, -1);
  ASSERT_TRUE(store.Put("_sluice/manifests/bad.json", "{\"files\":7}").ok());
  auto bad = PlanImport(store, url, {});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("bad.json"), std::string::npos);
}

}  // namespace
}  // namespace sluice::jobs
