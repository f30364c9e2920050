#include "jobs/export_runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "common/json.h"
#include "common/time_util.h"
#include "common/uuid.h"
#include "model/event_write.h"
#include "testing/fake_clock.h"
#include "testing/fake_store.h"
#include "testing/memory_object_store.h"
#include "testing/temp_dir.h"

namespace sluice::jobs {
namespace {

constexpr TimestampMicros kSecond = 1'000'000;

// Hands out one in-memory bucket for every export.
class FakeDestinations final : public DestinationProvider {
 public:
  Result<Destination> Open(const ExportConfig& config) override {
    SLUICE_ASSIGN_OR_RETURN(cloud::StorageUrl url, cloud::ParseStorageUrl(config.export_path));
    Destination d;
    d.store = bucket;
    d.url = std::move(url);
    return d;
  }
  std::vector<cloud::ProbeStep> Probe(const ExportConfig&) override { return {}; }
  std::shared_ptr<testing::MemoryObjectStore> bucket =
      std::make_shared<testing::MemoryObjectStore>();
};

struct CrashHere {};  // thrown by the fault hook: the run stops as if the process died

class ExportRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<testing::FakeStore>();
    org_ = *store_->CreateOrg("o");
    project_ = *store_->CreateProject({NewUuid(), org_.id, "p", "", clock_.NowMicros()});
    ExportRunnerOptions options;
    options.fault_hook = [this](std::string_view point) {
      if (point == crash_at_ && --crash_countdown_ == 0) throw CrashHere{};
    };
    options.upload_chunk_bytes = 1024;
    options.spool_dir = dir_.path().string();
    runner_ = std::make_unique<ExportRunner>(*store_, clock_, dest_, options);
  }

  // Creates an export automation from config fields (merged over a JSON Lines log_spans export)
  // and registers it with a service token that reads the project.
  model::Automation Export(const std::string& extra_fields, bool do_register = true) {
    model::Automation a;
    a.id = NewUuid();
    a.org_id = org_.id;
    a.project_id = project_.id;
    a.name = "export-" + a.id;
    a.type = model::AutomationType::kExport;
    std::string config =
        R"({"event_type":"btql_export","export_definition":{"type":"log_spans"},)"
        R"("export_path":"s3://bucket/team/logs","format":"jsonl","interval_seconds":300,)"
        R"("credentials":{"type":"aws_iam","role_arn":"arn:aws:iam::123456789012:role/x"})" +
        extra_fields + "}";
    ConfigContext ctx{org_.id, project_.id, a.id, "sluice", nullptr, nullptr};
    auto valid = ValidateAutomationConfig(*Json::Parse(config), ctx);
    EXPECT_TRUE(valid.ok()) << valid.status().ToString();
    a.config = *valid;
    EXPECT_TRUE(store_->CreateAutomation(a).ok());
    if (do_register) {
      auto token = model::MintKey(model::KeyKind::kServiceToken, org_.id, "t",
                                  {{project_.id, model::Permission::kRead}}, clock_.NowMicros());
      EXPECT_TRUE(store_->CreateApiKey(token.key).ok());
      token_id_ = token.key.id;
      EXPECT_TRUE(store_->RegisterExport(a.id, token.key.id, clock_.NowMicros()).ok());
    }
    return a;
  }

  // Inserts `n` single-span traces (ids prefix0..), created `age` before now.
  void InsertSpans(int n, const std::string& prefix, TimestampMicros age = 3600 * kSecond) {
    const std::string created = FormatRfc3339(clock_.NowMicros() - age);
    std::string events = "[";
    for (int i = 0; i < n; ++i) {
      const std::string id = prefix + std::to_string(i);
      if (i > 0) events += ",";
      events += R"({"id":")" + id + R"(","span_id":")" + id + R"(","root_span_id":")" + id +
                R"(","created":")" + created + R"(","input":{"q":")" + id +
                R"("},"tags":["t"],"metrics":{"prompt_tokens":3}})";
    }
    Insert(events + "]");
  }

  void Insert(const std::string& events) {
    auto w = model::ParseInsertRequest(R"({"events":)" + events + "}");
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_TRUE(store_
                    ->InsertEvents({model::ObjectType::kProjectLogs, project_.id}, org_.id,
                                   project_.id, *w, clock_.NowMicros())
                    .ok());
  }

  model::AutomationRun Run(const model::Automation& a) {
    auto run = runner_->Run(a, model::RunTrigger::kManual);
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    return run.ok() ? *run : model::AutomationRun{};
  }

  // Every JSON Lines row of every data file (manifests excluded): id -> times seen.
  std::map<std::string, int> ExportedIds() {
    std::map<std::string, int> out;
    for (const auto& [key, body] : dest_.bucket->objects()) {
      if (key.find("/_sluice/") != std::string::npos) continue;
      std::istringstream lines(body);
      std::string line;
      while (std::getline(lines, line)) {
        auto row = Json::Parse(line);
        EXPECT_TRUE(row.ok()) << key << ": " << line;
        if (row.ok()) ++out[row->Find("id")->string_value()];
      }
    }
    return out;
  }

  std::vector<std::string> DataKeys() {
    std::vector<std::string> keys;
    for (const auto& [key, body] : dest_.bucket->objects()) {
      if (key.find("/_sluice/") == std::string::npos) keys.push_back(key);
    }
    return keys;
  }

  static int64_t Stat(const model::AutomationRun& run, const char* name) {
    const Json* v = run.stats.Find(name);
    return v == nullptr ? -1 : v->int_value();
  }

  testing::TempDir dir_;
  testing::FakeClock clock_{1'750'000'000'000'000LL};
  std::unique_ptr<store::Store> store_;
  FakeDestinations dest_;
  std::unique_ptr<ExportRunner> runner_;
  model::Org org_;
  model::Project project_;
  std::string token_id_;
  std::string crash_at_;
  int crash_countdown_ = 0;
};

TEST_F(ExportRunnerTest, UnregisteredExportIsRefusedWithTheWayToRegister) {
  model::Automation a = Export("", /*do_register=*/false);
  auto run = runner_->Run(a, model::RunTrigger::kManual);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(run.status().message(), kNotRegisteredMessage);
  EXPECT_FALSE(runner_->GetStatus(a).ok());
  EXPECT_TRUE(dest_.bucket->objects().empty());
}

TEST_F(ExportRunnerTest, SpansGoInBatchSizeFilesUnderTheRunDateThenOnlyNewRows) {
  model::Automation a = Export(R"(,"batch_size":1000)");
  InsertSpans(2500, "a");
  model::AutomationRun first = Run(a);
  EXPECT_EQ(first.status, model::RunStatus::kSuccess) << first.error;
  EXPECT_EQ(Stat(first, "rows"), 2500);
  EXPECT_EQ(Stat(first, "files"), 3);
  const std::string day = FormatDate(clock_.NowMicros());
  EXPECT_EQ(DataKeys(), (std::vector<std::string>{"team/logs/" + day + "/export_001.jsonl",
                                                  "team/logs/" + day + "/export_002.jsonl",
                                                  "team/logs/" + day + "/export_003.jsonl"}));
  auto ids = ExportedIds();
  EXPECT_EQ(ids.size(), 2500u);
  for (const auto& [id, n] : ids) ASSERT_EQ(n, 1) << id;

  // The manifest lists the files with their rows and checksums.
  auto manifest =
      Json::Parse(dest_.bucket->objects().at("team/logs/_sluice/manifests/" + first.id + ".json"));
  ASSERT_TRUE(manifest.ok());
  ASSERT_EQ(manifest->Find("files")->array().size(), 3u);
  EXPECT_EQ(manifest->Find("files")->array()[2].Find("rows")->int_value(), 500);
  EXPECT_EQ(manifest->Find("rows")->int_value(), 2500);
  EXPECT_EQ(manifest->Find("files")->array()[0].Find("sha256")->string_value().size(), 64u);

  // Nothing new: no file, no manifest.
  clock_.Advance(300 * kSecond);
  const size_t objects = dest_.bucket->objects().size();
  model::AutomationRun idle = Run(a);
  EXPECT_EQ(idle.status, model::RunStatus::kSuccess);
  EXPECT_EQ(Stat(idle, "files"), 0);
  EXPECT_EQ(dest_.bucket->objects().size(), objects);

  // New rows arrive in the next file of the folder, and only they.
  InsertSpans(10, "b");
  model::AutomationRun next = Run(a);
  EXPECT_EQ(Stat(next, "rows"), 10);
  ids = ExportedIds();
  EXPECT_EQ(ids.size(), 2510u);
  EXPECT_EQ(ids["b9"], 1);
  EXPECT_TRUE(dest_.bucket->objects().contains("team/logs/" + day + "/export_004.jsonl"));
}

TEST_F(ExportRunnerTest, MaxIterationsStopsWithTheWarningAndTheNextRunIsDueAtOnce) {
  model::Automation a = Export(R"(,"batch_size":100,"max_iterations":2)");
  InsertSpans(450, "a");
  model::AutomationRun run = Run(a);
  EXPECT_EQ(run.status, model::RunStatus::kWarning);
  EXPECT_EQ(run.error, kMaxIterationsWarning);
  EXPECT_EQ(Stat(run, "rows"), 200);
  auto next = runner_->NextRunTime(a);
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_LE(**next, clock_.NowMicros());
  auto status = runner_->GetStatus(a);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->backlog_rows, 250);

  Run(a);
  model::AutomationRun last = Run(a);
  EXPECT_EQ(last.status, model::RunStatus::kSuccess);
  EXPECT_EQ(ExportedIds().size(), 450u);
  // After a complete run the next one waits the interval, start to start.
  next = runner_->NextRunTime(a);
  EXPECT_EQ(**next, last.started + 300 * kSecond);
}

class ExportCrashTest : public ExportRunnerTest,
                        public ::testing::WithParamInterface<const char*> {};

TEST_P(ExportCrashTest, AFileInterruptedThereIsRedoneUnderItsKeyAndEveryRowLandsOnce) {
  model::Automation a = Export(R"(,"batch_size":300)");
  InsertSpans(1000, "a");
  crash_at_ = GetParam();
  crash_countdown_ = 2;  // during the second file of the run
  EXPECT_THROW((void)runner_->Run(a, model::RunTrigger::kManual), CrashHere);
  crash_at_.clear();
  // After a restart the unfinished run makes the next one due at once.
  clock_.Advance(60 * kSecond);
  auto next = runner_->NextRunTime(a);
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_LT(**next, clock_.NowMicros());
  model::AutomationRun after = Run(a);
  EXPECT_EQ(after.status, model::RunStatus::kSuccess) << after.error;
  auto ids = ExportedIds();
  EXPECT_EQ(ids.size(), 1000u);
  for (const auto& [id, n] : ids) ASSERT_EQ(n, 1) << id;
  // 300+300+300+100 rows: the redone file kept its key, no fifth file.
  const std::string day = FormatDate(clock_.NowMicros());
  EXPECT_EQ(DataKeys(), (std::vector<std::string>{"team/logs/" + day + "/export_001.jsonl",
                                                  "team/logs/" + day + "/export_002.jsonl",
                                                  "team/logs/" + day + "/export_003.jsonl",
                                                  "team/logs/" + day + "/export_004.jsonl"}));
  // Together the manifests list exactly the files in the bucket, those the interrupted run
  // committed included.
  std::vector<std::string> listed;
  for (const auto& [key, body] : dest_.bucket->objects()) {
    if (key.find("/_sluice/manifests/") == std::string::npos) continue;
    auto m = Json::Parse(body);
    ASSERT_TRUE(m.ok());
    for (const Json& f : m->Find("files")->array()) listed.push_back(f.Find("key")->string_value());
  }
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(listed, DataKeys());
  // The interrupted run is closed in the history.
  auto runs = store_->ListRuns(a.id, 10, "");
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[1].status, model::RunStatus::kError);
  EXPECT_NE((*runs)[1].error.find("interrupted"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Points, ExportCrashTest,
                         ::testing::Values("planned", "upload", "uploaded", "committed"));

TEST_F(ExportRunnerTest, AccessDeniedFailsTheRunSaysWhichPermissionAndKeepsTheCursor) {
  model::Automation a = Export(R"(,"batch_size":100)");
  InsertSpans(150, "a");
  dest_.bucket->fail_write = [](const std::string&) {
    return PermissionDeniedError("AccessDenied: not authorized to perform s3:PutObject");
  };
  model::AutomationRun failed = Run(a);
  EXPECT_EQ(failed.status, model::RunStatus::kError);
  EXPECT_NE(failed.error.find("needs s3:PutObject on arn:aws:s3:::bucket/team/logs/*"),
            std::string::npos)
      << failed.error;
  auto state = store_->GetExportState(a.id);
  EXPECT_EQ((*state)->cursor, model::XactCursor{});

  dest_.bucket->fail_write = nullptr;
  model::AutomationRun ok = Run(a);
  EXPECT_EQ(ok.status, model::RunStatus::kSuccess) << ok.error;
  EXPECT_EQ(ExportedIds().size(), 150u);
  EXPECT_EQ(DataKeys().size(), 2u);
}

TEST_F(ExportRunnerTest, RevokedServiceTokenFailsTheRunAndNothingIsWritten) {
  model::Automation a = Export("");
  InsertSpans(5, "a");
  ASSERT_TRUE(store_->RevokeApiKey(org_.id, token_id_, clock_.NowMicros()).ok());
  model::AutomationRun run = Run(a);
  EXPECT_EQ(run.status, model::RunStatus::kError);
  EXPECT_NE(run.error.find("revoked"), std::string::npos);
  EXPECT_TRUE(dest_.bucket->objects().empty());
}

TEST_F(ExportRunnerTest, ResetWaitsForARunInAnotherProcessThenStartsOver) {
  model::Automation a = Export("");
  InsertSpans(3, "r");
  Run(a);
  ASSERT_EQ(ExportedIds().size(), 3u);
  // Another sluice process sharing the store is running this export: it holds the lease.
  const TimestampMicros now = clock_.NowMicros();
  ASSERT_TRUE(
      *store_->TryAcquireLease("export:" + a.id, "otherhost:1:abcd", now, now + 60 * kSecond));
  Status refused = runner_->Reset(a.id);
  EXPECT_EQ(refused.code(), StatusCode::kAborted);
  EXPECT_NE(refused.message().find("in progress in another sluice process"), std::string::npos)
      << refused.message();
  EXPECT_TRUE(runner_->GetStatus(a)->last_run.has_value()) << "a refused reset kept the history";

  ASSERT_TRUE(store_->ReleaseLease("export:" + a.id, "otherhost:1:abcd").ok());
  ASSERT_TRUE(runner_->Reset(a.id).ok());
  EXPECT_FALSE(runner_->GetStatus(a)->last_run.has_value());
  dest_.bucket = std::make_shared<testing::MemoryObjectStore>();
  Run(a);
  EXPECT_EQ(ExportedIds().size(), 3u) << "after the reset the export starts from the beginning";
}

TEST_F(ExportRunnerTest, HiveLayoutAndParquetNameTheFiles) {
  model::Automation a = Export(R"(,"layout":"hive","format":"parquet")");
  InsertSpans(3, "a");
  Run(a);
  auto keys = DataKeys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0], "team/logs/date=" + FormatDate(clock_.NowMicros()) + "/export_001.parquet");
  const std::string body = dest_.bucket->objects().at(keys[0]);
  EXPECT_EQ(body.substr(0, 4), "PAR1");
  EXPECT_EQ(body.substr(body.size() - 4), "PAR1");
}

TEST_F(ExportRunnerTest, TracesWaitUntilIdleAndAreExportedAgainWhenTheyChange) {
  model::Automation a =
      Export(R"(,"export_definition":{"type":"log_traces"},"trace_idle_seconds":60)");
  const std::string old_time = FormatRfc3339(clock_.NowMicros() - 600 * kSecond);
  const std::string now_time = FormatRfc3339(clock_.NowMicros());
  Insert(R"([{"id":"r1","span_id":"r1","root_span_id":"r1","created":")" + old_time +
         R"(","input":"q1"},{"id":"c1","span_id":"c1","root_span_id":"r1","span_parents":["r1"],)"
         R"("created":")" +
         old_time + R"(","metrics":{"prompt_tokens":5}}])");
  Insert(R"([{"id":"r2","span_id":"r2","root_span_id":"r2","created":")" + now_time +
         R"(","input":"q2"}])");
  model::AutomationRun first = Run(a);
  EXPECT_EQ(first.status, model::RunStatus::kSuccess) << first.error;
  auto ids = ExportedIds();
  EXPECT_EQ(ids, (std::map<std::string, int>{{"r1", 1}}));
  EXPECT_TRUE(first.stats.Find("traces_waiting_idle")->bool_value());

  // r2 becomes idle; r1 gets a new span and is exported again.
  clock_.Advance(120 * kSecond);
  const std::string later = FormatRfc3339(clock_.NowMicros() - 100 * kSecond);
  Insert(R"([{"id":"c2","span_id":"c2","root_span_id":"r1","span_parents":["r1"],"created":")" +
         later + R"(","metrics":{"prompt_tokens":7}}])");
  model::AutomationRun second = Run(a);
  EXPECT_EQ(second.status, model::RunStatus::kSuccess) << second.error;
  ids = ExportedIds();
  EXPECT_EQ(ids, (std::map<std::string, int>{{"r1", 2}, {"r2", 1}}));
  // The second r1 row carries the whole trace: three spans, tokens summed.
  bool found = false;
  for (const auto& [key, body] : dest_.bucket->objects()) {
    if (key.find("export_002") == std::string::npos) continue;
    std::istringstream lines(body);
    std::string line;
    while (std::getline(lines, line)) {
      auto row = *Json::Parse(line);
      if (row.Find("id")->string_value() != "r1") continue;
      found = true;
      EXPECT_EQ(row.Find("span_count")->int_value(), 3);
      EXPECT_EQ(row.Find("prompt_tokens")->int_value(), 12);
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(ExportRunnerTest, CustomQueryExportsOnlyMatchingRowsOfNewWindows) {
  model::Automation a = Export(
      R"(,"export_definition":{"type":"btql_query","btql_query":"select: id, input.q as q | from: project_logs(')" +
      project_.id + R"(') | filter: id LIKE 'keep%'"},"batch_size":50)");
  InsertSpans(60, "keep");
  InsertSpans(60, "drop");
  model::AutomationRun first = Run(a);
  EXPECT_EQ(first.status, model::RunStatus::kSuccess) << first.error;
  auto ids = ExportedIds();
  EXPECT_EQ(ids.size(), 60u);
  for (const auto& [id, n] : ids) {
    EXPECT_TRUE(id.starts_with("keep")) << id;
    EXPECT_EQ(n, 1) << id;
  }
  InsertSpans(5, "keepmore");
  Run(a);
  ids = ExportedIds();
  EXPECT_EQ(ids.size(), 65u);
  EXPECT_EQ(DataKeys().size(), 2u);  // windows where nothing matched leave no file
  for (const auto& [id, n] : ids) EXPECT_EQ(n, 1) << id;
}

}  // namespace
}  // namespace sluice::jobs
