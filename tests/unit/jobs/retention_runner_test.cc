#include "jobs/retention_runner.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "common/time_util.h"
#include "common/uuid.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/fake_clock.h"
#include "testing/scanned_rows.h"
#include "testing/temp_dir.h"

namespace sluice::jobs {
namespace {

constexpr TimestampMicros kDay = 86'400'000'000LL;

// A count a run recorded (its stats), -1 when absent.
int64_t Stat(const model::AutomationRun& run, const char* name) {
  const Json* v = run.stats.Find(name);
  return v != nullptr ? v->int_value() : -1;
}

class RetentionRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(store::sqlite::SqliteStore::Open(dir_.File("db")).value());
    org_ = *store_->CreateOrg("o");
    project_ = *store_->CreateProject({NewUuid(), org_.id, "p", "", clock_.NowMicros()});
  }

  model::Automation Policy(const std::string& object_type, int days,
                           const std::string& exempt = "") {
    model::Automation a;
    a.id = NewUuid();
    a.org_id = org_.id;
    a.project_id = project_.id;
    a.name = "r-" + a.id.substr(0, 8);
    a.type = model::AutomationType::kRetention;
    a.config = *Json::Parse(R"({"event_type":"retention","object_type":")" + object_type +
                            R"(","retention_days":)" + std::to_string(days) + "}");
    if (!exempt.empty()) a.config.Set("exempt_filter", Json::String(exempt));
    EXPECT_TRUE(store_->CreateAutomation(a).ok());
    return a;
  }

  void Insert(const model::ObjectRef& obj, const std::string& events) {
    auto w = model::ParseInsertRequest(R"({"events":)" + events + "}");
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_TRUE(store_->InsertEvents(obj, org_.id, project_.id, *w, clock_.NowMicros()).ok());
  }

  std::set<std::string> Visible(const model::ObjectRef& obj) {
    model::ScanRequest r;
    r.object = obj;
    std::set<std::string> out;
    for (const model::Event& e : testing::ScannedRows(*store_, r)) out.insert(e.id);
    return out;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_{1'750'000'000'000'000LL};
  std::unique_ptr<store::Store> store_;
  model::Org org_;
  model::Project project_;
};

TEST_F(RetentionRunnerTest, ExperimentsOlderThanTheCutoffGoWholeUnlessExempt) {
  auto make = [&](const std::string& name, std::vector<std::string> tags) {
    model::Experiment e;
    e.id = NewUuid();
    e.project_id = project_.id;
    e.name = name;
    e.created = clock_.NowMicros();
    e.tags = std::move(tags);
    EXPECT_TRUE(store_->CreateExperiment(e).ok());
    Insert({model::ObjectType::kExperiment, e.id}, R"([{"id":"row"}])");
    return e;
  };
  auto old_exp = make("old", {});
  auto kept = make("kept", {"keep"});
  clock_.Advance(40 * kDay);
  auto young = make("young", {});
  RetentionRunner runner(*store_, clock_);
  auto a = Policy("experiment", 30, "tags includes 'keep'");
  auto preview = runner.Preview(a);
  ASSERT_TRUE(preview.ok()) << preview.status().ToString();
  EXPECT_EQ(preview->experiments, 1);
  EXPECT_EQ(preview->rows, 1);
  EXPECT_EQ(preview->exempt, 1);
  auto run = runner.Run(a, model::RunTrigger::kManual);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->status, model::RunStatus::kSuccess) << run->error;
  EXPECT_EQ(store_->GetExperiment(old_exp.id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->GetExperiment(kept.id).ok());
  EXPECT_TRUE(store_->GetExperiment(young.id).ok());
  EXPECT_TRUE(Visible({model::ObjectType::kExperiment, old_exp.id}).empty());
  auto restored = runner.Restore(a, run->id);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->rows, 1);
  EXPECT_TRUE(store_->GetExperiment(old_exp.id).ok());
  // The policy is paused (its next run would delete the experiment again), and a second
  // restore of the run says it was restored already.
  EXPECT_TRUE(restored->paused);
  EXPECT_FALSE(StoredRetentionConfig(*store_->GetAutomation(a.id))->active);
  auto again = runner.Restore(a, run->id);
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(again.status().message().find("already restored"), std::string::npos);
}

TEST_F(RetentionRunnerTest, PurgeHappensOnlyAfterGraceAndIsCountedOnTheRun) {
  model::ObjectRef logs{model::ObjectType::kProjectLogs, project_.id};
  Insert(logs, R"([{"id":"a","created":"2020-01-01T00:00:00Z"},{"id":"b"}])");
  RetentionRunner runner(*store_, clock_);
  auto a = Policy("project_logs", 7);
  auto run = *runner.Run(a, model::RunTrigger::kSchedule);
  EXPECT_EQ(Visible(logs), (std::set<std::string>{"b"}));
  clock_.Advance(kDay - 1);
  EXPECT_EQ(*runner.PurgeDue(), 0);
  clock_.Advance(1);
  EXPECT_EQ(*runner.PurgeDue(), 1);
  auto after = *store_->GetRun(run.id);
  EXPECT_EQ(Stat(*after, "purged"), 1);
  EXPECT_EQ(runner.Restore(a, run.id).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(RetentionRunnerTest, ARunOrPurgeWhoseLeaseAnotherProcessHoldsDoesNothing) {
  model::ObjectRef logs{model::ObjectType::kProjectLogs, project_.id};
  Insert(logs, R"([{"id":"a","created":"2020-01-01T00:00:00Z"},{"id":"b"}])");
  RetentionRunner runner(*store_, clock_, LeaseOptions{"here", 60});
  auto a = Policy("project_logs", 7);
  const TimestampMicros now = clock_.NowMicros();
  ASSERT_TRUE(*store_->TryAcquireLease("retention:" + a.id, "elsewhere", now, now + 60'000'000));
  auto busy = runner.Run(a, model::RunTrigger::kManual);
  EXPECT_EQ(busy.status().code(), StatusCode::kAborted);
  EXPECT_EQ(busy.status().message(), kRunInProgressMessage);
  EXPECT_TRUE(store_->ListRuns(a.id, 10, "")->empty());
  EXPECT_EQ(Visible(logs).size(), 2u);

  // The other holder stopped renewing: once its lease expires the run goes ahead, and a
  // scheduled run right after is not due any more (the history is read under the lease).
  clock_.Advance(60'000'000);
  ASSERT_TRUE(runner.Run(a, model::RunTrigger::kManual).ok());
  EXPECT_EQ(Visible(logs), (std::set<std::string>{"b"}));
  auto again = runner.Run(a, model::RunTrigger::kSchedule, clock_.NowMicros());
  EXPECT_EQ(again.status().code(), StatusCode::kAborted);
  EXPECT_EQ(store_->ListRuns(a.id, 10, "")->size(), 1u);

  // Purge past the grace period waits while another process holds the purge lease.
  clock_.Advance(kDay);
  const TimestampMicros later = clock_.NowMicros();
  ASSERT_TRUE(*store_->TryAcquireLease("retention-purge", "elsewhere", later, later + 60'000'000));
  EXPECT_EQ(*runner.PurgeDue(), 0);
  ASSERT_TRUE(store_->ReleaseLease("retention-purge", "elsewhere").ok());
  EXPECT_EQ(*runner.PurgeDue(), 1);
}

TEST_F(RetentionRunnerTest, ALeaseOfAnEarlierProcessOfThisHostIsTakenOverAtOnce) {
  model::ObjectRef logs{model::ObjectType::kProjectLogs, project_.id};
  Insert(logs, R"([{"id":"a","created":"2020-01-01T00:00:00Z"}])");
  auto a = Policy("project_logs", 7);
  // The same host and pid under another owner id: an earlier incarnation of this process (a
  // restart after a crash), which can no longer be running.
  const std::string mine = ProcessLeaseOwner();
  const std::string earlier = mine.substr(0, mine.rfind(':')) + ":earlier";
  const TimestampMicros now = clock_.NowMicros();
  ASSERT_TRUE(*store_->TryAcquireLease("retention:" + a.id, earlier, now, now + 60'000'000));
  RetentionRunner runner(*store_, clock_);
  auto run = runner.Run(a, model::RunTrigger::kManual);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_TRUE(Visible(logs).empty());
  // A holder on another host is waited for.
  ASSERT_TRUE(
      *store_->TryAcquireLease("retention:" + a.id, "elsewhere:1:x", now, now + 60'000'000));
  EXPECT_EQ(runner.Run(a, model::RunTrigger::kManual).status().code(), StatusCode::kAborted);
}

// Property: with random created times, a run deletes exactly the rows older than the cutoff that
// the exempt filter does not keep; nothing newer is ever deleted.
TEST_F(RetentionRunnerTest, PropertyDeletesExactlyTheOlderNonExemptRows) {
  std::mt19937_64 rng(11);
  model::ObjectRef logs{model::ObjectType::kProjectLogs, project_.id};
  struct Row {
    std::string id;
    TimestampMicros created;
    bool keep;
  };
  std::vector<Row> rows;
  std::string events = "[";
  for (int i = 0; i < 400; ++i) {
    Row r{"r" + std::to_string(i), clock_.NowMicros() - static_cast<int64_t>(rng() % (90 * kDay)),
          rng() % 4 == 0};
    if (i) events += ",";
    events += R"({"id":")" + r.id + R"(","created":")" + FormatRfc3339(r.created) + "\"" +
              (r.keep ? R"(,"metadata":{"hold":true})" : "") + "}";
    rows.push_back(r);
  }
  Insert(logs, events + "]");
  const int days = 1 + static_cast<int>(rng() % 60);
  RetentionRunner runner(*store_, clock_);
  auto run =
      runner.Run(Policy("project_logs", days, "metadata.hold = true"), model::RunTrigger::kManual);
  ASSERT_TRUE(run.ok());
  ASSERT_EQ(run->status, model::RunStatus::kSuccess) << run->error;
  const TimestampMicros cutoff = clock_.NowMicros() - days * kDay;
  const auto visible = Visible(logs);
  int64_t expected_deleted = 0;
  for (const auto& r : rows) {
    const bool deleted = r.created < cutoff && !r.keep;
    expected_deleted += deleted;
    EXPECT_EQ(visible.count(r.id) == 0, deleted) << r.id;
  }
  EXPECT_EQ(Stat(*run, "soft_deleted"), expected_deleted);
}

}  // namespace
}  // namespace sluice::jobs

namespace sluice::jobs {
namespace {

class RetentionWithExportTest : public RetentionRunnerTest {
 protected:
  // An export of this project's logs, registered, with its cursor after `cursor`.
  model::Automation ExportAt(model::XactCursor cursor, const std::string& status = "active",
                             const std::string& definition = R"({"type":"log_spans"})") {
    model::Automation a;
    a.id = NewUuid();
    a.org_id = org_.id;
    a.project_id = project_.id;
    a.name = "to-s3-" + status;
    a.type = model::AutomationType::kExport;
    ConfigContext ctx{
        org_.id, project_.id, a.id, "sluice", [](const model::ObjectRef&) { return Status(); },
        nullptr};
    auto config = ValidateAutomationConfig(
        *Json::Parse(R"({"event_type":"btql_export","export_definition":)" + definition +
                     R"(,"export_path":"file:///tmp/x","format":"jsonl","interval_seconds":300,)"
                     R"("status":")" +
                     status + R"("})"),
        ctx);
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    a.config = *config;
    EXPECT_TRUE(store_->CreateAutomation(a).ok());
    EXPECT_TRUE(store_->RegisterExport(a.id, "token", clock_.NowMicros()).ok());
    if (cursor.xact_id > 0) {
      store::ExportFile f;
      f.automation_id = a.id;
      f.run_id = "r";
      f.key = "k";
      f.date_folder = "d";
      f.sequence = 1;
      f.xact_bound = cursor.xact_id;
      f.row_limit = 100;
      f.created = clock_.NowMicros();
      auto pending = store_->AddPendingExportFile(f);
      EXPECT_TRUE(pending.ok());
      pending->to = cursor;
      pending->rows = 1;
      EXPECT_TRUE(store_->CommitExportFile(*pending).ok());
    }
    return a;
  }

  model::ObjectRef logs_{model::ObjectType::kProjectLogs, ""};
};

TEST_F(RetentionWithExportTest, RowsAnActiveExportHasNotReadAreHeldBackAndTheRunSaysWhy) {
  logs_.id = project_.id;
  Insert(logs_, R"([{"id":"a","created":"2020-01-01T00:00:00Z"}])");
  const uint64_t first = *store_->MaxXactId();
  Insert(logs_, R"([{"id":"b","created":"2020-01-01T00:00:00Z"},)"
                R"({"id":"c","created":"2020-01-02T00:00:00Z"}])");
  auto export_a = ExportAt({first, std::numeric_limits<int64_t>::max()});
  ExportAt({0, 0}, "paused");  // paused exports hold nothing back
  RetentionRunner runner(*store_, clock_);
  auto policy = Policy("project_logs", 7);
  auto preview = runner.Preview(policy);
  ASSERT_TRUE(preview.ok());
  EXPECT_EQ(preview->rows, 1);
  EXPECT_EQ(preview->held_back, 2);
  auto run = runner.Run(policy, model::RunTrigger::kManual);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(Stat(*run, "soft_deleted"), 1);
  EXPECT_EQ(Stat(*run, "held_back"), 2);
  EXPECT_NE(run->stats.Find("held_back_reason")->string_value().find(export_a.id),
            std::string::npos);
  EXPECT_EQ(Visible(logs_), (std::set<std::string>{"b", "c"}));

  // Once the export has read them, the next run deletes them.
  ASSERT_TRUE(store_->ResetExport(export_a.id).ok());
  ASSERT_TRUE(store_->DeleteAutomation(export_a.id).ok());
  ExportAt({*store_->MaxXactId(), std::numeric_limits<int64_t>::max()});
  run = runner.Run(policy, model::RunTrigger::kManual);
  EXPECT_EQ(Stat(*run, "soft_deleted"), 2);
  EXPECT_EQ(Stat(*run, "held_back"), 0);
  EXPECT_TRUE(Visible(logs_).empty());
}

TEST_F(RetentionWithExportTest, WaitForExportFalseDeletesWhatNoExportHasRead) {
  logs_.id = project_.id;
  Insert(logs_, R"([{"id":"a","created":"2020-01-01T00:00:00Z"}])");
  ExportAt({0, 0});
  RetentionRunner runner(*store_, clock_);
  auto policy = Policy("project_logs", 7);
  policy.config.Set("wait_for_export", Json::Bool(false));
  auto run = runner.Run(policy, model::RunTrigger::kManual);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(Stat(*run, "soft_deleted"), 1);
  EXPECT_EQ(Stat(*run, "held_back"), 0);
}

TEST_F(RetentionWithExportTest, AnExportAtTheLastRowOfATransactionHoldsNothingOfIt) {
  logs_.id = project_.id;
  Insert(logs_, R"([{"id":"a","created":"2020-01-01T00:00:00Z"},)"
                R"({"id":"b","created":"2020-01-01T00:00:00Z"},)"
                R"({"id":"c","created":"2020-01-01T00:00:00Z"}])");
  const uint64_t xact = *store_->MaxXactId();
  int64_t last_key = 0;
  for (const char* id : {"a", "b", "c"}) {
    last_key = std::max(last_key, (*store_->GetEvent(logs_, id))->row_key);
  }
  // Caught up: its cursor is on the transaction's last row, as an export run leaves it.
  auto caught_up = ExportAt({xact, last_key});
  RetentionRunner runner(*store_, clock_);
  auto policy = Policy("project_logs", 7);
  auto preview = runner.Preview(policy);
  ASSERT_TRUE(preview.ok());
  EXPECT_EQ(preview->rows, 3);
  EXPECT_EQ(preview->held_back, 0);
  // Midway through the transaction: its rows wait (marks hide whole transactions).
  ASSERT_TRUE(store_->DeleteAutomation(caught_up.id).ok());
  auto midway = ExportAt({xact, last_key - 1});
  auto run = runner.Run(policy, model::RunTrigger::kManual);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(Stat(*run, "soft_deleted"), 0);
  EXPECT_EQ(Stat(*run, "held_back"), 3);
  EXPECT_NE(run->stats.Find("held_back_reason")->string_value().find(midway.id), std::string::npos);
  EXPECT_EQ(Visible(logs_).size(), 3u);
}

TEST_F(RetentionWithExportTest, AnExperimentWithRowsNoExportReadYetStaysWhole) {
  model::Experiment e;
  e.id = NewUuid();
  e.project_id = project_.id;
  e.name = "old-exp";
  e.created = clock_.NowMicros();
  ASSERT_TRUE(store_->CreateExperiment(e).ok());
  const model::ObjectRef rows{model::ObjectType::kExperiment, e.id};
  Insert(rows, R"([{"id":"e1"}])");
  const std::string query_export =
      "{\"type\":\"btql_query\",\"btql_query\":\"select: * | from: experiment('" + e.id + "')\"}";
  auto to_s3 =
      ExportAt({*store_->MaxXactId(), std::numeric_limits<int64_t>::max()}, "active", query_export);
  Insert(rows, R"([{"id":"e2"},{"id":"e3"}])");  // not exported yet
  clock_.Advance(40 * kDay);
  RetentionRunner runner(*store_, clock_);
  auto policy = Policy("experiment", 30);
  auto preview = runner.Preview(policy);
  ASSERT_TRUE(preview.ok());
  EXPECT_EQ(preview->experiments, 0);
  EXPECT_EQ(preview->rows, 0);
  EXPECT_EQ(preview->held_back, 3);
  auto run = runner.Run(policy, model::RunTrigger::kManual);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->status, model::RunStatus::kSuccess) << run->error;
  EXPECT_EQ(Stat(*run, "experiments_deleted"), 0);
  EXPECT_EQ(Stat(*run, "held_back"), 3);
  const std::string why = run->stats.Find("held_back_reason")->string_value();
  EXPECT_NE(why.find("old-exp"), std::string::npos) << why;
  EXPECT_NE(why.find(to_s3.id), std::string::npos) << why;
  EXPECT_TRUE(store_->GetExperiment(e.id).ok());  // metadata and rows stay together
  EXPECT_EQ(Visible(rows), (std::set<std::string>{"e1", "e2", "e3"}));

  // Once the export has read everything, the experiment goes whole.
  ASSERT_TRUE(store_->DeleteAutomation(to_s3.id).ok());
  ExportAt({*store_->MaxXactId(), std::numeric_limits<int64_t>::max()}, "active", query_export);
  run = runner.Run(policy, model::RunTrigger::kManual);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(Stat(*run, "experiments_deleted"), 1);
  EXPECT_EQ(Stat(*run, "held_back"), 0);
  EXPECT_EQ(store_->GetExperiment(e.id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Visible(rows).empty());
}

TEST_F(RetentionWithExportTest, ExemptRowsAreNeitherHeldBackNorInThePreviewsBytes) {
  logs_.id = project_.id;
  const std::string big(5000, 'x');
  Insert(logs_, R"([{"id":"kept","created":"2020-01-01T00:00:00Z","tags":["keep"],"input":")" +
                    big + R"("},{"id":"gone","created":"2020-01-01T00:00:00Z","input":"y"}])");
  ExportAt({0, 0});  // has read nothing
  RetentionRunner runner(*store_, clock_);
  auto held = runner.Preview(Policy("project_logs", 7, "tags includes 'keep'"));
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  EXPECT_EQ(held->exempt, 1);
  EXPECT_EQ(held->held_back, 1);  // "gone" only: "kept" is kept by the filter anyway
  EXPECT_EQ(held->rows, 0);
  auto free = Policy("project_logs", 7, "tags includes 'keep'");
  free.config.Set("wait_for_export", Json::Bool(false));
  auto all = Policy("project_logs", 7);
  all.config.Set("wait_for_export", Json::Bool(false));
  auto filtered = runner.Preview(free);
  auto unfiltered = runner.Preview(all);
  ASSERT_TRUE(filtered.ok() && unfiltered.ok());
  EXPECT_EQ(filtered->rows, 1);
  EXPECT_EQ(filtered->exempt, 1);
  EXPECT_GT(filtered->bytes, 0);
  EXPECT_LT(filtered->bytes, 100);  // the small row only
  EXPECT_GT(unfiltered->bytes, 5000);
  auto run = runner.Run(free, model::RunTrigger::kManual);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(Stat(*run, "soft_deleted"), 1);
  EXPECT_EQ(Visible(logs_), (std::set<std::string>{"kept"}));
}

}  // namespace
}  // namespace sluice::jobs
