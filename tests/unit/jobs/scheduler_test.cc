#include "jobs/scheduler.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "cloud/local/local_object_store.h"
#include "common/uuid.h"
#include "jobs/automation_config.h"
#include "model/event_write.h"
#include "testing/fake_clock.h"
#include "testing/fake_store.h"
#include "testing/temp_dir.h"

namespace sluice::jobs {
namespace {

constexpr TimestampMicros kSecond = 1'000'000;

// file:// destinations only; `on_open` lets a test act while a run is in progress.
class LocalDestinations final : public DestinationProvider {
 public:
  Result<Destination> Open(const ExportConfig& config) override {
    if (on_open) on_open();
    SLUICE_ASSIGN_OR_RETURN(cloud::StorageUrl url, cloud::ParseStorageUrl(config.export_path));
    Destination d;
    d.store = std::make_shared<cloud::LocalObjectStore>(url.path);
    url.path.clear();
    d.url = std::move(url);
    return d;
  }
  std::vector<cloud::ProbeStep> Probe(const ExportConfig&) override { return {}; }

  std::function<void()> on_open;
};

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<testing::FakeStore>();
    org_ = *store_->CreateOrg("o");
    project_ = *store_->CreateProject({NewUuid(), org_.id, "p", "", clock_.NowMicros()});
    auto token = model::MintKey(model::KeyKind::kServiceToken, org_.id, "exporter",
                                {{project_.id, model::Permission::kRead}}, clock_.NowMicros());
    token_id_ = token.key.id;
    ASSERT_TRUE(store_->CreateApiKey(token.key).ok());
  }

  // An export of the project's spans to a directory of its own, every 300 s.
  // An automation of this project, before its config.
  model::Automation Named(const std::string& name, model::AutomationType type) {
    model::Automation a;
    a.id = NewUuid();
    a.org_id = org_.id;
    a.project_id = project_.id;
    a.name = name;
    a.created = clock_.NowMicros();
    a.type = type;
    return a;
  }

  model::Automation Export(const std::string& name, bool registered = true,
                           const std::string& status = "active") {
    model::Automation a = Named(name, model::AutomationType::kExport);
    const std::string dir = "file://" + dir_.File(name);
    auto config = Json::Parse(
        R"({"event_type":"btql_export","export_definition":{"type":"log_spans"},
        "export_path":")" +
        dir + R"(","format":"jsonl","interval_seconds":300,"status":")" + status + R"("})");
    ConfigContext ctx;
    ctx.org_id = org_.id;
    ctx.project_id = project_.id;
    ctx.automation_id = a.id;
    a.config = ValidateAutomationConfig(*config, ctx).value();
    EXPECT_TRUE(store_->CreateAutomation(a).ok());
    if (registered) {
      EXPECT_TRUE(store_->RegisterExport(a.id, token_id_, clock_.NowMicros()).ok());
    }
    return a;
  }

  // A retention policy of the project's logs (1 day, every 3600 s) with the given status.
  model::Automation Retention(const std::string& name, const std::string& status) {
    model::Automation a = Named(name, model::AutomationType::kRetention);
    auto config = Json::Parse(R"({"event_type":"retention","object_type":"project_logs",)"
                              R"("retention_days":1,"status":")" +
                              status + R"("})");
    ConfigContext ctx;
    ctx.project_id = project_.id;
    a.config = ValidateAutomationConfig(*config, ctx).value();
    EXPECT_TRUE(store_->CreateAutomation(a).ok());
    return a;
  }

  void Insert(int n) {
    std::string events = "[";
    for (int i = 0; i < n; ++i) {
      events += (i ? "," : "") + std::string(R"({"id":")") + NewUuid() + R"(","input":"q"})";
    }
    auto w = model::ParseInsertRequest(R"({"events":)" + events + "]}");
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_TRUE(store_
                    ->InsertEvents({model::ObjectType::kProjectLogs, project_.id}, org_.id,
                                   project_.id, *w, clock_.NowMicros())
                    .ok());
  }

  std::vector<model::AutomationRun> Runs(const model::Automation& a) {
    return store_->ListRuns(a.id, 100, "").value();
  }

  int64_t RowsOf(const model::AutomationRun& run) { return run.stats.Find("rows")->int_value(); }

  testing::TempDir dir_;
  testing::FakeClock clock_{1'750'000'000'000'000LL};
  std::unique_ptr<store::Store> store_;
  model::Org org_;
  model::Project project_;
  std::string token_id_;
  LocalDestinations destinations_;
};

TEST_F(SchedulerTest, RunsARegisteredExportWhenDueAndAgainOneIntervalAfterItsStart) {
  auto a = Export("logs");
  Insert(3);
  ExportRunner runner(*store_, clock_, destinations_);
  RetentionRunner retention(*store_, clock_, runner.lease_options());
  Scheduler scheduler(*store_, clock_, runner, retention);

  ASSERT_TRUE(scheduler.Tick().ok());
  auto runs = Runs(a);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].trigger, model::RunTrigger::kSchedule);
  EXPECT_EQ(runs[0].status, model::RunStatus::kSuccess) << runs[0].error;
  EXPECT_EQ(RowsOf(runs[0]), 3);

  Insert(2);
  clock_.Advance(299 * kSecond);
  ASSERT_TRUE(scheduler.Tick().ok());
  EXPECT_EQ(Runs(a).size(), 1u) << "not due before interval_seconds have passed";

  clock_.Advance(1 * kSecond);
  ASSERT_TRUE(scheduler.Tick().ok());
  runs = Runs(a);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(RowsOf(runs[0]), 2) << "only the rows inserted since the first run";
}

TEST_F(SchedulerTest, SkipsUnregisteredAndPausedExports) {
  auto unregistered = Export("unregistered", /*registered=*/false);
  auto paused = Export("paused", /*registered=*/true, "paused");
  Insert(1);
  ExportRunner runner(*store_, clock_, destinations_);
  RetentionRunner retention(*store_, clock_, runner.lease_options());
  Scheduler scheduler(*store_, clock_, runner, retention);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(scheduler.Tick().ok());
    clock_.Advance(3600 * kSecond);
  }
  EXPECT_TRUE(Runs(unregistered).empty());
  EXPECT_TRUE(Runs(paused).empty());
  EXPECT_FALSE(std::filesystem::exists(dir_.File("unregistered")));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("paused")));
}

TEST_F(SchedulerTest, SkipsPausedRetentionAutomations) {
  auto active = Retention("active", "active");
  auto paused = Retention("paused", "paused");
  ExportRunner runner(*store_, clock_, destinations_);
  RetentionRunner retention(*store_, clock_, runner.lease_options());
  Scheduler scheduler(*store_, clock_, runner, retention);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(scheduler.Tick().ok());
    clock_.Advance(3600 * kSecond);
  }
  EXPECT_EQ(Runs(active).size(), 3u);
  EXPECT_TRUE(Runs(paused).empty());
}

TEST_F(SchedulerTest, AFailedRunIsRecordedAndTheOtherExportsStillRun) {
  // An export whose destination cannot be written: a file where its directory should be.
  auto broken = Export("broken");
  std::filesystem::create_directories(dir_.path());
  { std::ofstream(dir_.File("broken")) << "not a directory"; }
  auto fine = Export("fine");
  Insert(4);
  ExportRunner runner(*store_, clock_, destinations_);
  RetentionRunner retention(*store_, clock_, runner.lease_options());
  Scheduler scheduler(*store_, clock_, runner, retention);
  EXPECT_TRUE(scheduler.Tick().ok());
  auto failed = Runs(broken);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].status, model::RunStatus::kError);
  EXPECT_FALSE(failed[0].error.empty());
  auto ok = Runs(fine);
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].status, model::RunStatus::kSuccess) << ok[0].error;
  EXPECT_EQ(RowsOf(ok[0]), 4);
  EXPECT_EQ(store_->GetExportState(broken.id).value()->cursor, model::XactCursor{})
      << "a failed run leaves the cursor where it was";
}

TEST_F(SchedulerTest, AnExportAlreadyRunningIsSkippedNotRunTwice) {
  auto a = Export("logs");
  Insert(2);
  ExportRunner runner(*store_, clock_, destinations_);
  RetentionRunner retention(*store_, clock_, runner.lease_options());
  Scheduler scheduler(*store_, clock_, runner, retention);
  Status nested;
  int opens = 0;
  // While the first run is in progress, a second pass of the scheduler comes along.
  destinations_.on_open = [&] {
    if (++opens == 1) nested = scheduler.Tick();
  };
  ASSERT_TRUE(scheduler.Tick().ok());
  EXPECT_TRUE(nested.ok()) << nested.ToString();
  EXPECT_EQ(opens, 1);
  EXPECT_EQ(Runs(a).size(), 1u);
}

// Runner options of a process whose lease owner is `owner`.
ExportRunnerOptions Leased(const std::string& owner) {
  ExportRunnerOptions o;
  o.lease.owner = owner;
  return o;
}

// Two processes sharing one store (two runners with their own lease owners and schedulers):
// while one runs the export the other's pass skips it, and after it finished the other finds
// the run in the history and does not run it again until the next interval.
TEST_F(SchedulerTest, TwoProcessesRunEachDueExportOnce) {
  auto a = Export("logs");
  Insert(2);
  ExportRunner runner1(*store_, clock_, destinations_, Leased("p1"));
  ExportRunner runner2(*store_, clock_, destinations_, Leased("p2"));
  RetentionRunner retention1(*store_, clock_, runner1.lease_options());
  Scheduler s1(*store_, clock_, runner1, retention1);
  RetentionRunner retention2(*store_, clock_, runner2.lease_options());
  Scheduler s2(*store_, clock_, runner2, retention2);
  Status nested;
  int opens = 0;
  destinations_.on_open = [&] {
    if (++opens == 1) nested = s2.Tick();
  };
  ASSERT_TRUE(s1.Tick().ok());
  EXPECT_TRUE(nested.ok()) << nested.ToString();
  EXPECT_EQ(opens, 1) << "the second process did not run it while the first held the lease";
  ASSERT_EQ(Runs(a).size(), 1u);

  // The second process had read "due" before the first finished: under the lease it reads the
  // history again and does not run.
  auto late = runner2.Run(a, model::RunTrigger::kSchedule, clock_.NowMicros());
  EXPECT_EQ(late.status().code(), StatusCode::kAborted);
  ASSERT_TRUE(s2.Tick().ok());
  EXPECT_EQ(Runs(a).size(), 1u);

  clock_.Advance(300 * kSecond);
  Insert(1);
  ASSERT_TRUE(s2.Tick().ok());
  ASSERT_TRUE(s1.Tick().ok());
  auto runs = Runs(a);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(RowsOf(runs[0]), 1);
}

// A process that died holding the lease: its export waits until the lease expires, then
// another process runs it.
TEST_F(SchedulerTest, AnExportWhoseHolderDiedRunsAfterTheLeaseExpires) {
  auto a = Export("logs");
  Insert(3);
  const TimestampMicros now = clock_.NowMicros();
  ASSERT_TRUE(*store_->TryAcquireLease("export:" + a.id, "dead", now, now + 30 * kSecond));
  ExportRunner runner(*store_, clock_, destinations_, Leased("alive"));
  RetentionRunner retention(*store_, clock_, runner.lease_options());
  Scheduler scheduler(*store_, clock_, runner, retention);
  ASSERT_TRUE(scheduler.Tick().ok());
  EXPECT_TRUE(Runs(a).empty());
  auto manual = runner.Run(a, model::RunTrigger::kManual);
  EXPECT_EQ(manual.status().code(), StatusCode::kAborted);
  EXPECT_EQ(manual.status().message(), kRunInProgressMessage);
  clock_.Advance(30 * kSecond);
  ASSERT_TRUE(scheduler.Tick().ok());
  auto runs = Runs(a);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(RowsOf(runs[0]), 3);
}

}  // namespace
}  // namespace sluice::jobs
