#include "jobs/attachment_store.h"

#include <gtest/gtest.h>

#include "cloud/local/local_object_store.h"
#include "common/uuid.h"
#include "model/event_write.h"
#include "testing/fake_clock.h"
#include "testing/fake_store.h"
#include "testing/temp_dir.h"

namespace sluice::jobs {
namespace {

constexpr TimestampMicros kT0 = 1'800'000'000'000'000LL;

TEST(AttachmentStore, FindsReferencesAtAnyDepth) {
  EXPECT_EQ(
      AttachmentStore::KeysIn(R"({"a":[{"x":{"type":"braintrust_attachment","key":"k1"}}],)"
                              R"("b":{"type":"braintrust_attachment","key":"k2","filename":"f"}})"),
      (std::vector<std::string>{"k1", "k2"}));
  EXPECT_TRUE(AttachmentStore::KeysIn(R"({"type":"external_attachment","url":"u"})").empty());
  EXPECT_TRUE(AttachmentStore::KeysIn(R"("braintrust_attachment")").empty());
  EXPECT_TRUE(AttachmentStore::KeysIn("not json braintrust_attachment").empty());
}

class AttachmentSweepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<sluice::testing::FakeStore>();
    org_ = *store_->CreateOrg("o");
    project_ = *store_->CreateProject({NewUuid(), org_.id, "p", "", kT0});
    logs_ = {model::ObjectType::kProjectLogs, project_.id};
  }

  void Insert(const std::string& body) {
    auto w = model::ParseInsertRequest(body);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_TRUE(store_->InsertEvents(logs_, org_.id, project_.id, *w, kT0).ok());
  }

  void Upload(AttachmentStore& a, const std::string& key) {
    ASSERT_TRUE(a.Describe(org_.id, key, key + ".txt", "text/plain").ok());
    ASSERT_TRUE(a.PutData(org_.id, key, "bytes of " + key).ok());
  }

  sluice::testing::TempDir dir_;
  std::unique_ptr<sluice::testing::FakeStore> store_;
  model::Org org_;
  model::Project project_;
  model::ObjectRef logs_;
};

TEST_F(AttachmentSweepTest, RemovesFilesWhoseRowsAreGoneAndKeepsTheRest) {
  sluice::testing::FakeClock clock(kT0);
  cloud::LocalObjectStore blobs(dir_.path() / "blobs");
  AttachmentStore a(blobs, *store_, clock);
  Insert(R"({"events":[{"id":"r1"},{"id":"r2"}]})");
  Upload(a, "kept");   // referenced by r1 (and by r2, which goes)
  Upload(a, "gone");   // referenced by r2 only
  Upload(a, "young");  // referenced by nothing yet
  ASSERT_TRUE(a.AddRefs(org_.id,
                        {{"kept", {logs_, "r1"}}, {"kept", {logs_, "r2"}}, {"gone", {logs_, "r2"}}})
                  .ok());
  Insert(R"({"events":[{"id":"r2","_object_delete":true}]})");
  EXPECT_EQ(*a.Sweep(), 1);
  EXPECT_TRUE(*a.HasData(org_.id, "kept"));
  EXPECT_FALSE(*a.HasData(org_.id, "gone"));
  EXPECT_FALSE(a.GetMeta(org_.id, "gone")->has_value());
  EXPECT_TRUE(*a.HasData(org_.id, "young"));
  EXPECT_EQ((*a.GetMeta(org_.id, "kept"))->refs.size(), 2u);
  // Never referenced for a week: removed.
  clock.Advance(8LL * 86'400 * 1'000'000);
  EXPECT_EQ(*a.Sweep(), 1);
  EXPECT_FALSE(*a.HasData(org_.id, "young"));
  EXPECT_TRUE(*a.HasData(org_.id, "kept"));
}

TEST_F(AttachmentSweepTest, SweepsAfterPurgesAndOtherwiseOnlyEveryInterval) {
  sluice::testing::FakeClock clock(kT0);
  cloud::LocalObjectStore blobs(dir_.path() / "blobs");
  AttachmentStore a(blobs, *store_, clock);
  Insert(R"({"events":[{"id":"r1"}]})");
  Upload(a, "k");
  ASSERT_TRUE(a.AddRefs(org_.id, {{"k", {logs_, "r1"}}}).ok());
  EXPECT_EQ(*a.SweepIfDue(0), 0);  // the first call sweeps (nothing to remove)
  Insert(R"({"events":[{"id":"r1","_object_delete":true}]})");
  EXPECT_EQ(*a.SweepIfDue(0), 0);  // not due: swept a moment ago
  EXPECT_TRUE(*a.HasData(org_.id, "k"));
  EXPECT_EQ(*a.SweepIfDue(5), 1);  // a purge removed rows
}

}  // namespace
}  // namespace sluice::jobs
