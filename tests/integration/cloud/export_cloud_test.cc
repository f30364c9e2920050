// Export runs against moto as a strict AWS (SigV4, session tokens, role trust with ExternalId,
// IAM policy on the prefix), through the fault-injecting proxy. What landed is read back with
// boto3 (read_export.py), not with sluice.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>

#include "cloud/aws/credentials.h"
#include "cloud/http/curl_http_client.h"
#include "common/json.h"
#include "common/uuid.h"
#include "jobs/export_runner.h"
#include "model/event_write.h"
#include "moto_server.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace sluice::jobs {
namespace {

constexpr char kBucket[] = "sluice-export-it";

class ExportCloudTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(store::sqlite::SqliteStore::Open(dir_.File("db")).value());
    org_ = *store_->CreateOrg("o");
    project_ = *store_->CreateProject({NewUuid(), org_.id, "p", "", clock_.NowMicros()});
    automation_.id = NewUuid();
    ConfigContext ctx{org_.id, project_.id, automation_.id, "sluice", nullptr, nullptr};
    external_id_ = ExternalId(ctx);
    Status s = moto_.Start(kBucket, external_id_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    s = proxy_.Start(moto_.endpoint());
    ASSERT_TRUE(s.ok()) << s.ToString();
    base_ = std::make_unique<cloud::StaticCredentialsProvider>(cloud::AwsCredentials{
        moto_.identity().access_key_id, moto_.identity().secret_access_key, "", 0});
    cloud::DestinationFactoryOptions o;
    o.aws.s3_endpoint = proxy_.endpoint();
    o.aws.sts_endpoint = proxy_.endpoint();
    o.s3_path_style = true;
    factory_ = std::make_unique<cloud::DestinationFactory>(o, http_, *base_, env_, clock_);
    destinations_ = std::make_unique<CloudDestinationProvider>(*factory_);
    runner_ = std::make_unique<ExportRunner>(*store_, clock_, *destinations_);
  }

  void CreateExport(const std::string& prefix, int batch_size) {
    automation_.org_id = org_.id;
    automation_.project_id = project_.id;
    automation_.name = "to-moto";
    automation_.type = model::AutomationType::kExport;
    ConfigContext ctx{org_.id, project_.id, automation_.id, "sluice", nullptr, nullptr};
    auto config = ValidateAutomationConfig(
        *Json::Parse(R"({"event_type":"btql_export","export_definition":{"type":"log_spans"},)"
                     R"("export_path":"s3://)" +
                     std::string(kBucket) + "/" + prefix +
                     R"(","format":"jsonl","interval_seconds":300,"batch_size":)" +
                     std::to_string(batch_size) +
                     R"(,"credentials":{"type":"aws_iam","role_arn":")" +
                     moto_.identity().role_arn + R"("}})"),
        ctx);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    automation_.config = *config;
    ASSERT_TRUE(store_->CreateAutomation(automation_).ok());
    auto token = model::MintKey(model::KeyKind::kServiceToken, org_.id, "t",
                                {{project_.id, model::Permission::kRead}}, clock_.NowMicros());
    ASSERT_TRUE(store_->CreateApiKey(token.key).ok());
    ASSERT_TRUE(store_->RegisterExport(automation_.id, token.key.id, clock_.NowMicros()).ok());
  }

  void InsertSpans(int n, const std::string& prefix) {
    std::string events = "[";
    for (int i = 0; i < n; ++i) {
      if (i > 0) events += ",";
      events += R"({"id":")" + prefix + std::to_string(i) + R"(","input":"hello"})";
    }
    auto w = model::ParseInsertRequest(R"({"events":)" + events + "]}");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(store_
                    ->InsertEvents({model::ObjectType::kProjectLogs, project_.id}, org_.id,
                                   project_.id, *w, clock_.NowMicros())
                    .ok());
  }

  void SetPlan(const std::string& plan_json) {
    auto r = http_.Send({"POST", proxy_.endpoint() + "/__fault__", {}, plan_json, nullptr, 0});
    ASSERT_TRUE(r.ok() && r->status_code == 200);
  }
  // The proxy's log: [method, path, action] per request.
  Json ProxyLog() {
    auto r = http_.Send({"GET", proxy_.endpoint() + "/__fault__/log", {}, "", nullptr, 0});
    return r.ok() ? *Json::Parse(r->body) : Json::Array();
  }

  // What boto3 finds in the bucket.
  Json ReadBack() {
    setenv("READ_EXPORT_KEY_ID", moto_.identity().access_key_id.c_str(), 1);
    setenv("READ_EXPORT_SECRET", moto_.identity().secret_access_key.c_str(), 1);
    auto out = testing::RunCommand("python3 " + testing::CloudIntegrationDir() +
                                   "/read_export.py " + moto_.endpoint() + " " + kBucket + " " +
                                   moto_.identity().role_arn + " '" + external_id_ + "'");
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? *Json::Parse(*out) : Json::Object();
  }

  static std::map<std::string, int> IdCounts(const Json& listing) {
    std::map<std::string, int> ids;
    const Json* files = listing.Find("files");
    for (const auto& [key, rows] : files->members()) {
      for (const Json& id : rows.array()) ++ids[id.string_value()];
    }
    return ids;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_{RealClock().NowMicros()};
  std::unique_ptr<store::Store> store_;
  model::Org org_;
  model::Project project_;
  model::Automation automation_;
  std::string external_id_;
  testing::MotoServer moto_;
  testing::FaultProxy proxy_;
  cloud::CurlHttpClient http_;
  std::unique_ptr<cloud::CredentialsProvider> base_;
  cloud::MapEnvironment env_;
  std::unique_ptr<cloud::DestinationFactory> factory_;
  std::unique_ptr<CloudDestinationProvider> destinations_;
  std::unique_ptr<ExportRunner> runner_;
};

TEST_F(ExportCloudTest, ThrottlingAndResetsAreRetriedAndEveryRowLandsOnceInOneObjectPerFile) {
  CreateExport("allowed/logs", 400);
  InsertSpans(1000, "s");
  SetPlan(R"([{"method":"PUT","path_contains":"export_002","action":"503","count":2},)"
          R"({"method":"PUT","path_contains":"export_003","action":"reset","count":1},)"
          R"({"method":"PUT","path_contains":"export_001","action":"500","count":1}])");
  auto run = runner_->Run(automation_, model::RunTrigger::kManual);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->status, model::RunStatus::kSuccess) << run->error;
  int faults = 0;
  const Json log = ProxyLog();
  for (const Json& e : log.array()) faults += e.array()[2].string_value() != "forward";
  EXPECT_EQ(faults, 4);
  Json listing = ReadBack();
  EXPECT_EQ(listing.Find("files")->members().size(), 3u);
  EXPECT_EQ(listing.Find("manifests")->array().size(), 1u);
  auto ids = IdCounts(listing);
  EXPECT_EQ(ids.size(), 1000u);
  for (const auto& [id, n] : ids) ASSERT_EQ(n, 1) << id;
}

TEST_F(ExportCloudTest, AccessDeniedByTheRolePolicyFailsTheRunWithWhatToGrantAndKeepsTheCursor) {
  CreateExport("elsewhere/logs", 100);
  InsertSpans(10, "s");
  auto run = runner_->Run(automation_, model::RunTrigger::kManual);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->status, model::RunStatus::kError);
  EXPECT_NE(run->error.find("needs s3:PutObject on arn:aws:s3:::sluice-export-it/elsewhere/logs/*"),
            std::string::npos)
      << run->error;
  EXPECT_EQ(run->error.find(moto_.identity().secret_access_key), std::string::npos);
  EXPECT_EQ((*store_->GetExportState(automation_.id))->cursor, model::XactCursor{});
  const Json listing = ReadBack();
  EXPECT_TRUE(listing.Find("files")->members().empty());
}

TEST_F(ExportCloudTest, ExpiredRoleCredentialsAreRefreshedBetweenRuns) {
  auto assume_role_calls = [this] {
    int n = 0;
    const Json log = ProxyLog();
    for (const Json& e : log.array()) {
      n += e.array()[0].string_value() == "POST" && e.array()[1].string_value() == "/";
    }
    return n;
  };
  CreateExport("allowed/logs", 100);
  InsertSpans(5, "a");
  auto first = runner_->Run(automation_, model::RunTrigger::kManual);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->status, model::RunStatus::kSuccess) << first->error;
  EXPECT_EQ(assume_role_calls(), 1);       // one role session for the file and the manifest
  clock_.Advance(2 * 3600 * 1'000'000LL);  // the assumed role's credentials have expired
  InsertSpans(5, "b");
  auto second = runner_->Run(automation_, model::RunTrigger::kManual);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->status, model::RunStatus::kSuccess) << second->error;
  // Refreshed (moto dates its credentials by the real clock, which this test's clock has
  // overtaken, so each later use may refresh again).
  EXPECT_GE(assume_role_calls(), 2);
  EXPECT_EQ(IdCounts(ReadBack()).size(), 10u);
}

}  // namespace
}  // namespace sluice::jobs
