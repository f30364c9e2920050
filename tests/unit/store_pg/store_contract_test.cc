// The Store contract, run against both backends: what the API, the export runner and retention
// rely on behaves the same on SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include <limits>

#include "common/uuid.h"
#include "model/event_write.h"
#include "store_backends.h"

namespace sluice::store {
namespace {

using model::Event;
using model::ObjectRef;
using model::ObjectType;
using testing::Backend;

constexpr TimestampMicros kNow = 1'714'564'800'000'000LL;

// Registers the shared server's environment before main runs, so it is stopped at the end.
const auto* const kPgEnvironment = testing::SharedPg::Get();

class StoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string skip;
    store_ = testing::OpenFreshStore(GetParam(), dir_, &skip);
    if (!skip.empty()) GTEST_SKIP() << skip;
    ASSERT_NE(store_, nullptr);
    org_ = *store_->CreateOrg("acme");
    project_ = *store_->CreateProject({NewUuid(), org_.id, "p", "", kNow});
    logs_ = {ObjectType::kProjectLogs, project_.id};
  }

  Result<InsertResult> Insert(const std::string& body, TimestampMicros now = kNow) {
    auto w = model::ParseInsertRequest(body);
    if (!w.ok()) return w.status();
    return store_->InsertEvents(logs_, org_.id, project_.id, *w, now);
  }

  std::vector<Event> ScanAll(model::ScanRequest r) {
    r.object = logs_;
    auto stream = store_->Scan(r);
    EXPECT_TRUE(stream.ok()) << stream.status().ToString();
    std::vector<Event> out;
    if (!stream.ok()) return out;
    Event e;
    for (;;) {
      auto more = (*stream)->Next(&e);
      EXPECT_TRUE(more.ok()) << more.status().ToString();
      if (!more.ok() || !*more) break;
      out.push_back(e);
    }
    return out;
  }

  // A mark of automation "auto1" over the logs: rows created before `cutoff` and committed so
  // far, purgeable from kNow + 100.
  model::RetentionMark Mark(const std::string& run_id, TimestampMicros cutoff) {
    model::RetentionMark mark;
    mark.run_id = run_id;
    mark.automation_id = "auto1";
    mark.object = logs_;
    mark.cutoff = cutoff;
    mark.max_xact_id = *store_->MaxXactId();
    mark.purge_after = kNow + 100;
    return mark;
  }

  static std::vector<std::string> Ids(const std::vector<Event>& v) {
    std::vector<std::string> out;
    for (const auto& e : v) out.push_back(e.id);
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  model::Org org_;
  model::Project project_;
  ObjectRef logs_;
};

using Strings = std::vector<std::string>;

TEST_P(StoreContract, OrgsAndProjects) {
  EXPECT_EQ(*store_->CountOrgs(), 1);
  ASSERT_TRUE(store_->CreateOrg("second").ok());
  auto orgs = store_->ListOrgs();
  ASSERT_TRUE(orgs.ok());
  ASSERT_EQ(orgs->size(), 2u);
  EXPECT_EQ((*orgs)[0].name, "acme");
  auto dup = store_->CreateProject({NewUuid(), org_.id, "p", "", kNow});
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  auto q = store_->CreateProject({NewUuid(), org_.id, "q", "the q", kNow + 1});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(store_->GetProject(q->id)->description, "the q");
  EXPECT_EQ(store_->GetProject("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*store_->FindProjectByName(org_.id, "q"))->id, q->id);
  EXPECT_FALSE(store_->FindProjectByName(org_.id, "zz")->has_value());
  auto list = store_->ListProjects(org_.id, {});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "q");  // newest first
  ListOptions after;
  after.starting_after = q->id;
  EXPECT_EQ((*store_->ListProjects(org_.id, after))[0].name, "p");
  ListOptions before;
  before.ending_before = project_.id;
  EXPECT_EQ((*store_->ListProjects(org_.id, before))[0].name, "q");
}

TEST_P(StoreContract, ExperimentsAndDatasets) {
  model::Experiment e{NewUuid(),
                      project_.id,
                      "e1",
                      "",
                      kNow,
                      true,
                      R"({"k":1})",
                      {"t1", "t2"},
                      "",
                      "",
                      R"({"commit":"abc","branch":"main"})"};
  ASSERT_TRUE(store_->CreateExperiment(e).ok());
  model::Experiment again = e;
  again.id = NewUuid();
  EXPECT_EQ(store_->CreateExperiment(again).status().code(), StatusCode::kAlreadyExists);
  auto got = store_->GetExperiment(e.id);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->is_public);
  EXPECT_EQ(got->metadata, R"({"k":1})");
  EXPECT_EQ(got->tags, (Strings{"t1", "t2"}));
  EXPECT_EQ(got->repo_info, R"({"commit":"abc","branch":"main"})");
  EXPECT_EQ(store_->GetExperiment("x").status().code(), StatusCode::kNotFound);
  model::Dataset d{NewUuid(), project_.id, "d1", "desc", kNow, "", {}};
  ASSERT_TRUE(store_->CreateDataset(d).ok());
  EXPECT_EQ(store_->CreateDataset(d).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ((*store_->FindDatasetByName(project_.id, "d1"))->description, "desc");
  ListOptions by_name;
  by_name.name = "e1";
  EXPECT_EQ(store_->ListExperiments(org_.id, by_name)->size(), 1u);
  ListOptions by_ids;
  by_ids.ids = {d.id, "other"};
  EXPECT_EQ(store_->ListDatasets(org_.id, by_ids)->size(), 1u);
  EXPECT_EQ((*store_->FindExperimentByName(project_.id, "e1"))->id, e.id);
}

TEST_P(StoreContract, ApiKeysAreFoundByLookupAndRevoked) {
  model::ApiKey k;
  k.id = NewUuid();
  k.org_id = org_.id;
  k.name = "ci";
  k.lookup = "abcdefabcdef";
  k.salt = "00";
  k.hash = "ff";
  k.grants = {{project_.id, model::Permission::kWrite}};
  k.created = kNow;
  ASSERT_TRUE(store_->CreateApiKey(k).ok());
  EXPECT_EQ(store_->CreateApiKey(k).code(), StatusCode::kAlreadyExists);
  auto found = store_->FindApiKeyByLookup("abcdefabcdef");
  ASSERT_TRUE(found.ok() && found->has_value());
  ASSERT_EQ((*found)->grants.size(), 1u);
  EXPECT_EQ((*found)->grants[0].permission, model::Permission::kWrite);
  EXPECT_FALSE((*found)->revoked.has_value());
  ASSERT_TRUE(store_->RevokeApiKey(org_.id, k.id, kNow + 5).ok());
  EXPECT_EQ(*(*store_->FindApiKeyByLookup("abcdefabcdef"))->revoked, kNow + 5);
  EXPECT_EQ(store_->RevokeApiKey(org_.id, "missing", kNow).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ListApiKeys(org_.id)->size(), 1u);
}

TEST_P(StoreContract, EachBatchIsOneTransactionWithAGreaterXactId) {
  auto a = Insert(R"({"events":[{"id":"a"},{"id":"b"}]})");
  auto b = Insert(R"({"events":[{"id":"c"}]})");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_GT(b->xact_id, a->xact_id);
  EXPECT_EQ(a->row_ids, (Strings{"a", "b"}));
  auto rows = ScanAll({});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].xact_id, a->xact_id);
  EXPECT_EQ(rows[1].xact_id, a->xact_id);
  EXPECT_EQ(rows[2].xact_id, b->xact_id);
  EXPECT_EQ(*store_->MaxXactId(), b->xact_id);
  // A batch with a bad event writes nothing (a child span without root_span_id).
  EXPECT_FALSE(Insert(R"({"events":[{"id":"new1"},{"id":"bad","span_parents":["x"]}]})").ok());
  EXPECT_EQ(Ids(ScanAll({})), (Strings{"a", "b", "c"}));
}

TEST_P(StoreContract, AnIdWrittenTwiceInABatchIsItsLaterWrite) {
  auto r = Insert(R"({"events":[{"id":"t","input":"first","tags":["x"]},{"id":"u"},)"
                  R"({"id":"t","input":"second"}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->row_ids, (Strings{"t", "u", "t"}));
  EXPECT_EQ(Ids(ScanAll({})), (Strings{"u", "t"}));
  auto t = store_->GetEvent(logs_, "t");
  ASSERT_TRUE(t.ok() && t->has_value());
  EXPECT_EQ((*t)->input, R"("second")");
  EXPECT_TRUE((*t)->tags.empty());
}

TEST_P(StoreContract, ABatchOverSeveralObjectsIsOneTransaction) {
  model::Experiment e{NewUuid(), project_.id, "batch", "", kNow, false, "", {}, "", "", ""};
  ASSERT_TRUE(store_->CreateExperiment(e).ok());
  const ObjectRef exp{ObjectType::kExperiment, e.id};
  auto logs_writes = *model::ParseInsertRequest(R"({"events":[{"id":"l1"},{"id":"l2"}]})");
  auto exp_writes = *model::ParseInsertRequest(R"({"events":[{"id":"e1","input":1}]})");
  const ObjectWrites batch[] = {{logs_, org_.id, project_.id, logs_writes},
                                {exp, org_.id, project_.id, exp_writes}};
  auto r = store_->InsertBatch(batch, kNow);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->row_ids, (Strings{"l1", "l2", "e1"}));
  EXPECT_EQ(r->rows_written, 3);
  EXPECT_EQ((*store_->GetEvent(exp, "e1"))->xact_id, r->xact_id);
  EXPECT_EQ((*store_->GetEvent(logs_, "l2"))->xact_id, r->xact_id);
  // A bad row in the second object leaves the first object's rows unwritten too.
  auto more_logs = *model::ParseInsertRequest(R"({"events":[{"id":"l3"}]})");
  auto bad = *model::ParseInsertRequest(
      R"({"events":[{"id":"e2","span_parents":["x"],"_is_merge":true}]})");
  const ObjectWrites failing[] = {{logs_, org_.id, project_.id, more_logs},
                                  {exp, org_.id, project_.id, bad}};
  EXPECT_FALSE(store_->InsertBatch(failing, kNow).ok());
  EXPECT_FALSE((*store_->GetEvent(logs_, "l3")).has_value());
  EXPECT_EQ(*store_->MaxXactId(), r->xact_id);
}

TEST_P(StoreContract, MergeMergePathsAndDelete) {
  ASSERT_TRUE(Insert(R"({"events":[{"id":"a","metadata":{"x":1,"n":{"p":1}}},{"id":"b"}]})").ok());
  auto m = Insert(R"({"events":[{"id":"a","_is_merge":true,"metadata":{"y":2,"n":{"q":2}}}]})",
                  kNow + 10);
  ASSERT_TRUE(m.ok());
  auto rows = ScanAll({});
  EXPECT_EQ(Ids(rows), (Strings{"b", "a"}));  // the new version is at the end
  EXPECT_EQ(rows[1].metadata, R"({"x":1,"n":{"p":1,"q":2},"y":2})");
  EXPECT_EQ(rows[1].created, kNow);
  ASSERT_TRUE(Insert(R"({"events":[{"id":"a","_is_merge":true,"_merge_paths":[["metadata","n"]],
                       "metadata":{"n":{"r":3}}}]})")
                  .ok());
  EXPECT_EQ((*store_->GetEvent(logs_, "a"))->metadata, R"({"x":1,"n":{"r":3},"y":2})");
  // Two writes of one id in a batch: the second merges into the first.
  ASSERT_TRUE(Insert(R"({"events":[{"id":"c","input":"1"},
                       {"id":"c","_is_merge":true,"output":"2"}]})")
                  .ok());
  auto c = store_->GetEvent(logs_, "c");
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_EQ((*c)->input, R"("1")");
  EXPECT_EQ((*c)->output, R"("2")");
  auto d =
      Insert(R"({"events":[{"id":"a","_object_delete":true},{"id":"zz","_object_delete":true}]})");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->rows_deleted, 1);
  EXPECT_EQ(Ids(ScanAll({})), (Strings{"b", "c"}));
  EXPECT_FALSE(store_->GetEvent(logs_, "a")->has_value());
}

TEST_P(StoreContract, ScansByCursorMaxXactCreatedIdsAndRoots) {
  for (int i = 0; i < 10; ++i) {
    const std::string id = "r" + std::to_string(i);
    const std::string root = i % 2 ? "odd" : "even";
    ASSERT_TRUE(Insert(R"({"events":[{"id":")" + id + R"(","root_span_id":")" + root +
                           R"(","span_id":")" + id + R"("}]})",
                       kNow + (10 - i))
                    .ok());
  }
  auto all = ScanAll({});
  ASSERT_EQ(all.size(), 10u);
  model::ScanRequest r;
  r.after = model::XactCursor{all[4].xact_id, all[4].row_key};
  EXPECT_EQ(ScanAll(r).front().id, "r5");
  r.limit = 2;
  EXPECT_EQ(Ids(ScanAll(r)), (Strings{"r5", "r6"}));
  r = {};
  r.max_xact_id = all[2].xact_id;
  EXPECT_EQ(ScanAll(r).size(), 3u);
  r = {};
  r.order = model::ScanOrder::kCreatedAscending;
  r.created_min = kNow + 2;
  r.created_max = kNow + 6;
  EXPECT_EQ(Ids(ScanAll(r)), (Strings{"r8", "r7", "r6", "r5"}));
  r.order = model::ScanOrder::kCreatedDescending;
  EXPECT_EQ(Ids(ScanAll(r)), (Strings{"r5", "r6", "r7", "r8"}));
  r = {};
  r.ids = {"r3", "r9", "missing"};
  EXPECT_EQ(Ids(ScanAll(r)), (Strings{"r3", "r9"}));
  r = {};
  r.root_span_ids = {"odd"};
  EXPECT_EQ(ScanAll(r).size(), 5u);
  r = {};
  r.order = model::ScanOrder::kCreatedAscending;
  r.after = model::XactCursor{1, 1};
  EXPECT_EQ(store_->Scan(r).status().code(), StatusCode::kInvalidArgument);
  r.object = logs_;
  EXPECT_EQ(store_->CountRows(r).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreContract, CountRowsCountsWhatTheScanReturns) {
  for (int i = 0; i < 12; ++i) {
    const std::string id = "c" + std::to_string(i);
    ASSERT_TRUE(Insert(R"({"events":[{"id":")" + id + R"(","root_span_id":")" +
                           (i % 3 ? "t1" : "t0") + R"("}]})",
                       kNow + i)
                    .ok());
  }
  auto all = ScanAll({});
  ASSERT_EQ(all.size(), 12u);
  std::vector<model::ScanRequest> requests(6);
  for (model::ScanRequest& r : requests) r.object = logs_;
  requests[1].after = model::XactCursor{all[6].xact_id, all[6].row_key};
  requests[2].after = requests[1].after;
  requests[2].limit = 3;
  requests[3].max_xact_id = all[4].xact_id;
  requests[4].order = model::ScanOrder::kCreatedDescending;
  requests[4].created_min = kNow + 3;
  requests[5].root_span_ids = {"t0"};
  for (const model::ScanRequest& r : requests) {
    auto n = store_->CountRows(r);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_EQ(*n, static_cast<int64_t>(ScanAll(r).size()));
  }
  EXPECT_EQ(*store_->CountRows(requests[1]), 5);
  EXPECT_EQ(*store_->CountRows(requests[2]), 3);
  // Rows a retention mark hides are not counted.
  ASSERT_TRUE(store_->AddRetentionMark(Mark("count1", kNow + 4), {}).ok());
  EXPECT_EQ(*store_->CountRows(requests[0]), 8);
  EXPECT_EQ(*store_->CountRows(requests[5]), 2);  // c6 and c9 of t0 are left
}

// A count the store answers (both backends answer one without JSON matches) is what the scan
// returns with the matches applied exactly; retention's hidden rows are not counted.
TEST_P(StoreContract, CountMatchingIsTheScansCount) {
  for (int i = 0; i < 8; ++i) {
    const std::string id = "m" + std::to_string(i);
    ASSERT_TRUE(Insert(R"({"events":[{"id":")" + id + R"(","metadata":{"env":")" +
                           (i % 4 ? "dev" : "prod") + R"("}}]})",
                       kNow + i)
                    .ok());
  }
  const auto all = ScanAll({});
  ASSERT_EQ(all.size(), 8u);
  std::vector<model::ScanRequest> requests(5);
  for (model::ScanRequest& r : requests) r.object = logs_;
  requests[1].created_min = kNow + 2;
  requests[1].created_max = kNow + 6;
  requests[2].after = model::XactCursor{all[2].xact_id, all[2].row_key};
  requests[3].max_xact_id = all[4].xact_id;
  requests[4].order = model::ScanOrder::kCreatedDescending;
  requests[4].created_min = kNow + 5;
  auto check = [&](const std::vector<int64_t>& want) {
    for (size_t i = 0; i < requests.size(); ++i) {
      auto n = store_->CountMatching(requests[i]);
      ASSERT_TRUE(n.ok()) << n.status().ToString();
      if (GetParam() == Backend::kFake && !n->has_value()) continue;
      ASSERT_TRUE(n->has_value()) << "request " << i;
      EXPECT_EQ(**n, static_cast<int64_t>(ScanAll(requests[i]).size())) << "request " << i;
      EXPECT_EQ(**n, want[i]) << "request " << i;
    }
  };
  check({8, 4, 5, 5, 3});
  ASSERT_TRUE(store_->AddRetentionMark(Mark("countm", kNow + 3), {}).ok());  // hides m0..m2
  check({5, 3, 5, 2, 3});
  // With a match, a count that is answered counts only the rows whose member matches.
  model::ScanRequest prod;
  prod.object = logs_;
  prod.json_matches.push_back({"metadata", {"env"}, {"prod"}});
  auto n = store_->CountMatching(prod);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  if (n->has_value()) {
    EXPECT_EQ(**n, 1);  // m4; m0 is hidden
  }
  // PostgreSQL's scans leave JSON matches to the reader, so its count must not ignore them.
  if (GetParam() == Backend::kPostgres) {
    EXPECT_FALSE(n->has_value());
  }
  if (GetParam() != Backend::kFake) {  // the fake counts nothing, so it has no limit to refuse
    prod.limit = 1;
    EXPECT_EQ(store_->CountMatching(prod).status().code(), StatusCode::kInvalidArgument);
  }
}

// The n-th row's position is the n-th row the scan returns, hidden rows not counted.
TEST_P(StoreContract, NthRowPositionIsThatOfTheScansNthRow) {
  for (int i = 0; i < 10; ++i) {
    const std::string id = "n" + std::to_string(i);
    ASSERT_TRUE(Insert(R"({"events":[{"id":")" + id + R"("}]})", kNow + i).ok());
  }
  auto all = ScanAll({});
  ASSERT_EQ(all.size(), 10u);
  std::vector<model::ScanRequest> requests(3);
  for (model::ScanRequest& r : requests) r.object = logs_;
  requests[1].after = model::XactCursor{all[2].xact_id, all[2].row_key};
  requests[2].after = requests[1].after;
  requests[2].max_xact_id = all[7].xact_id;
  auto check = [&] {
    for (const model::ScanRequest& r : requests) {
      auto rows = ScanAll(r);
      for (int64_t n = 1; n <= static_cast<int64_t>(rows.size()) + 1; ++n) {
        auto at = store_->NthRowPosition(r, n);
        ASSERT_TRUE(at.ok()) << at.status().ToString();
        if (n > static_cast<int64_t>(rows.size())) {
          EXPECT_FALSE(at->has_value()) << n;
        } else {
          ASSERT_TRUE(at->has_value()) << n;
          EXPECT_EQ(**at, (model::XactCursor{rows[n - 1].xact_id, rows[n - 1].row_key}));
        }
      }
    }
  };
  check();
  ASSERT_TRUE(store_->AddRetentionMark(Mark("nth1", kNow + 4), {}).ok());
  check();
  model::ScanRequest limited = requests[0];
  limited.limit = 2;
  EXPECT_EQ(store_->NthRowPosition(limited, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->NthRowPosition(requests[0], 0).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreContract, AutomationsAndRuns) {
  model::Automation a;
  a.id = NewUuid();
  a.org_id = org_.id;
  a.project_id = project_.id;
  a.name = "nightly";
  a.created = kNow;
  ASSERT_TRUE(store_->CreateAutomation(a).ok());
  EXPECT_EQ(store_->CreateAutomation(a).status().code(), StatusCode::kAlreadyExists);
  a.description = "changed";
  ASSERT_TRUE(store_->UpdateAutomation(a).ok());
  EXPECT_EQ(store_->GetAutomation(a.id)->description, "changed");
  model::Automation ghost = a;
  ghost.id = "ghost";
  ghost.name = "ghost";
  EXPECT_EQ(store_->UpdateAutomation(ghost).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ListAutomations(org_.id, {})->size(), 1u);
  for (int i = 0; i < 3; ++i) {
    model::AutomationRun run;
    run.id = "run" + std::to_string(i);
    run.automation_id = a.id;
    run.started = kNow + i;
    ASSERT_TRUE(store_->SaveRun(run).ok());
  }
  model::AutomationRun done = *store_->GetRun("run1").value();
  done.status = model::RunStatus::kSuccess;
  done.finished = kNow + 9;
  ASSERT_TRUE(store_->SaveRun(done).ok());
  EXPECT_EQ((*store_->GetRun("run1"))->status, model::RunStatus::kSuccess);
  auto runs = store_->ListRuns(a.id, 2, "");
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ((*runs)[0].id, "run2");
  EXPECT_EQ(store_->ListRuns(a.id, 10, "run1")->front().id, "run0");
  ASSERT_TRUE(store_->DeleteAutomation(a.id).ok());
  EXPECT_EQ(store_->DeleteAutomation(a.id).code(), StatusCode::kNotFound);
  EXPECT_FALSE(store_->GetRun("run0")->has_value());
}

TEST_P(StoreContract, ExportFilesCommitWithTheCursorOnce) {
  ASSERT_TRUE(store_->RegisterExport("auto1", "key1", kNow).ok());
  EXPECT_FALSE(store_->GetExportState("other")->has_value());
  EXPECT_EQ(*store_->NextExportSequence("auto1", "2024-05-01"), 1);
  ExportFile f;
  f.automation_id = "auto1";
  f.run_id = "run1";
  f.key = "k/001";
  f.date_folder = "2024-05-01";
  f.sequence = 1;
  f.xact_bound = 7;
  f.row_limit = 100;
  auto pending = store_->AddPendingExportFile(f);
  ASSERT_TRUE(pending.ok());
  ExportFile second = f;
  second.sequence = 2;
  EXPECT_EQ(store_->AddPendingExportFile(second).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ((*store_->FindPendingExportFile("auto1"))->id, pending->id);
  ExportFile done = *pending;
  done.to = {5, 9};
  done.rows = 3;
  done.bytes = 42;
  done.sha256 = "ab";
  ASSERT_TRUE(store_->CommitExportFile(done).ok());
  EXPECT_EQ(store_->GetExportState("auto1")->value().cursor, (model::XactCursor{5, 9}));
  EXPECT_EQ(store_->CommitExportFile(done).code(), StatusCode::kAborted);  // no longer pending
  // A file planned from a stale cursor is refused at commit.
  ExportFile stale = f;
  stale.sequence = 2;
  auto p2 = store_->AddPendingExportFile(stale);
  ASSERT_TRUE(p2.ok());
  ExportFile stale_done = *p2;
  stale_done.to = {6, 1};
  EXPECT_EQ(store_->CommitExportFile(stale_done).code(), StatusCode::kAborted);
  // The sequence of a recorded file is never handed out again.
  ExportFile dup = f;
  ASSERT_TRUE(store_->ResetExport("auto1").ok());
  EXPECT_EQ(store_->AddPendingExportFile(dup).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(*store_->NextExportSequence("auto1", "2024-05-01"), 3);
  EXPECT_EQ(store_->GetExportState("auto1")->value().cursor, (model::XactCursor{0, 0}));
  EXPECT_FALSE(store_->FindPendingExportFile("auto1")->has_value());
  auto files = store_->ListExportFiles("run1");
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].sha256, "ab");
  EXPECT_EQ((*files)[0].rows, 3);
}

TEST_P(StoreContract, RetentionMarksHideRestoreAndPurge) {
  ASSERT_TRUE(Insert(R"({"events":[{"id":"old1"},{"id":"old2"},{"id":"keep"}]})", kNow).ok());
  ASSERT_TRUE(Insert(R"({"events":[{"id":"new"}]})", kNow + 1000).ok());
  model::RetentionMark mark = Mark("ret1", kNow + 500);
  auto count = store_->CountRetention(mark, true);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->rows, 3);
  EXPECT_GT(count->bytes, 0);
  const int64_t keep_key = (*store_->GetEvent(logs_, "keep"))->row_key;
  auto added = store_->AddRetentionMark(mark, {keep_key});
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->second, 2);
  EXPECT_EQ(Ids(ScanAll({})), (Strings{"keep", "new"}));
  EXPECT_FALSE(store_->GetEvent(logs_, "old1")->has_value());
  // Hidden, still restorable: the row exists (attachments it references are kept).
  EXPECT_TRUE(*store_->RowExists(logs_, "old1"));
  EXPECT_FALSE(*store_->RowExists(logs_, "never-written"));
  // Hidden rows are not counted again; the row the mark spares would be.
  EXPECT_EQ(store_->CountRetention(mark)->rows, 1);
  EXPECT_EQ(store_->ListRetentionMarks("auto1")->size(), 1u);
  // A write to a hidden id starts a fresh row.
  ASSERT_TRUE(Insert(R"({"events":[{"id":"old2","_is_merge":true,"output":"x"}]})").ok());
  EXPECT_TRUE((*store_->GetEvent(logs_, "old2"))->input.empty());
  EXPECT_EQ(*store_->RestoreRetentionRun("ret1"), 1);
  EXPECT_EQ(Ids(ScanAll({})), (Strings{"old1", "keep", "new", "old2"}));
  EXPECT_EQ(store_->RestoreRetentionRun("nope").status().code(), StatusCode::kNotFound);
  // A second run, purged after its grace: the rows are gone and cannot be restored.
  mark.run_id = "ret2";
  mark.max_xact_id = *store_->MaxXactId();
  ASSERT_TRUE(store_->AddRetentionMark(mark, {}).ok());
  EXPECT_TRUE(store_->PurgeExpiredMarks(kNow)->empty());  // not yet due
  auto purged = store_->PurgeExpiredMarks(kNow + 100);
  ASSERT_TRUE(purged.ok());
  ASSERT_EQ(purged->size(), 1u);
  // old1, keep and the new old2 (created before the cutoff).
  EXPECT_EQ((*purged)[0], (std::pair<std::string, int64_t>{"ret2", 3}));
  EXPECT_EQ(store_->RestoreRetentionRun("ret2").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Ids(ScanAll({})), (Strings{"new"}));
  EXPECT_FALSE(*store_->RowExists(logs_, "old1"));
  EXPECT_TRUE(*store_->RowExists(logs_, "new"));
}

TEST_P(StoreContract, WholeExperimentMarkHidesTheExperiment) {
  model::Experiment e{NewUuid(), project_.id, "gone", "", kNow, false, "", {}, "", "", ""};
  ASSERT_TRUE(store_->CreateExperiment(e).ok());
  model::RetentionMark mark;
  mark.run_id = "r";
  mark.automation_id = "a";
  mark.object = {ObjectType::kExperiment, e.id};
  mark.cutoff = std::numeric_limits<int64_t>::max();
  mark.purge_after = kNow;
  ASSERT_TRUE(store_->AddRetentionMark(mark, {}).ok());
  EXPECT_EQ(store_->GetExperiment(e.id).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store_->RestoreRetentionRun("r").ok());
  EXPECT_TRUE(store_->GetExperiment(e.id).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres, Backend::kFake),
                         testing::BackendName);

}  // namespace
}  // namespace sluice::store
