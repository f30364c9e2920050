#include <gtest/gtest.h>

#include <limits>

#include "api/api_types.h"
#include "api/handlers.h"
#include "api/metrics.h"
#include "common/json.h"
#include "common/time_util.h"
#include "common/uuid.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace sluice::api {
namespace {

TEST(ApiErrors, StatusCodesMapToHttpByWhatTheCallerShouldDo) {
  EXPECT_EQ(HttpStatusFor(InvalidArgumentError("x")), 400);
  EXPECT_EQ(HttpStatusFor(UnauthenticatedError("x")), 401);
  EXPECT_EQ(HttpStatusFor(PermissionDeniedError("x")), 403);
  EXPECT_EQ(HttpStatusFor(NotFoundError("x")), 404);
  EXPECT_EQ(HttpStatusFor(AlreadyExistsError("x")), 409);
  EXPECT_EQ(HttpStatusFor(ResourceExhaustedError("x")), 429);
  EXPECT_EQ(HttpStatusFor(InternalError("x")), 500);
  EXPECT_EQ(HttpStatusFor(UnavailableError("x")), 503);
  auto body = Json::Parse(ErrorBody(NotFoundError("project \"p\" not found")));
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->Find("error")->Find("code")->string_value(), "not_found");
  EXPECT_EQ(body->Find("error")->Find("message")->string_value(), "project \"p\" not found");
}

TEST(Metrics, RendersPrometheusCountersAndCumulativeBuckets) {
  Metrics m;
  m.RecordRequest("/v1/project", "GET", 200, 0.003);
  m.RecordRequest("/v1/project", "GET", 200, 0.2);
  m.AddRowsInserted("dataset", 5);
  const std::string text = m.Render();
  EXPECT_NE(
      text.find("sluice_http_requests_total{route=\"/v1/project\",method=\"GET\",code=\"200\"} 2"),
      std::string::npos);
  EXPECT_NE(
      text.find(
          "sluice_http_request_duration_seconds_bucket{route=\"/v1/project\",le=\"0.005\"} 1"),
      std::string::npos);
  EXPECT_NE(
      text.find("sluice_http_request_duration_seconds_bucket{route=\"/v1/project\",le=\"0.25\"} 2"),
      std::string::npos);
  EXPECT_NE(text.find("sluice_rows_inserted_total{object_type=\"dataset\"} 5"), std::string::npos);
}

class HandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(store::sqlite::SqliteStore::Open(dir_.File("db")).value());
    org_ = *store_->CreateOrg("o");
    project_ = *store_->CreateProject({NewUuid(), org_.id, "p", "", clock_.NowMicros()});
    auto m = model::MintKey(model::KeyKind::kApiKey, org_.id, "k",
                            {{project_.id, model::Permission::kWrite}}, 0);
    ASSERT_TRUE(store_->CreateApiKey(m.key).ok());
    key_ = "Bearer " + m.plaintext;
  }

  ApiRequest Rows(const std::string& op, const std::string& body) {
    ApiRequest r;
    r.method = "POST";
    r.path_params = {"project_logs", project_.id};
    r.body = body;
    r.authorization = key_;
    (void)op;
    return r;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  Metrics metrics_;
  std::unique_ptr<store::Store> store_;
  model::Org org_;
  model::Project project_;
  std::string key_;
};

TEST_F(HandlersTest, InsertUsesTheInjectedClockForCreated) {
  Handlers h(*store_, clock_, metrics_);
  ASSERT_TRUE(h.Insert(Rows("insert", R"({"events":[{"id":"a"}]})")).ok());
  auto fetched = h.Fetch(Rows("fetch", "{}"));
  ASSERT_TRUE(fetched.ok());
  auto body = *Json::Parse(fetched->body);
  EXPECT_EQ(body.Find("events")->array()[0].Find("created")->string_value(),
            FormatRfc3339(clock_.NowMicros()));
}

TEST_F(HandlersTest, FetchLimitIsBoundedByOptions) {
  HandlerOptions o;
  o.max_fetch_limit = 5;
  o.default_fetch_limit = 2;
  Handlers h(*store_, clock_, metrics_, o);
  ASSERT_TRUE(h.Insert(Rows("insert", R"({"events":[{"id":"a"},{"id":"b"},{"id":"c"}]})")).ok());
  auto page = h.Fetch(Rows("fetch", "{}"));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Json::Parse(page->body)->Find("events")->array().size(), 2u);
  auto too_many = h.Fetch(Rows("fetch", R"({"limit":6})"));
  EXPECT_EQ(too_many.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_many.status().message().find("limit"), std::string::npos);
}

TEST_F(HandlersTest, AnExperimentNameHeldByOneInRetentionGraceSaysSo) {
  Handlers h(*store_, clock_, metrics_);
  auto create = [&](const std::string& body) {
    ApiRequest r;
    r.method = "POST";
    r.body = body;
    r.authorization = key_;
    return h.CreateExperiment(r);
  };
  const std::string named = R"({"project_id":")" + project_.id + R"(","name":"old")";
  auto first = create(named + "}");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const std::string id = Json::Parse(first->body)->Find("id")->string_value();
  // A retention run deletes it (softly: restorable for a day).
  model::RetentionMark m;
  m.run_id = "run-1";
  m.automation_id = "retention-1";
  m.object = {model::ObjectType::kExperiment, id};
  m.cutoff = std::numeric_limits<int64_t>::max();
  m.max_xact_id = *store_->MaxXactId();
  m.created = clock_.NowMicros();
  m.purge_after = m.created + 86'400'000'000LL;
  ASSERT_TRUE(store_->AddRetentionMark(m, {}).ok());
  ASSERT_EQ(store_->GetExperiment(id).status().code(), StatusCode::kNotFound);

  auto again = create(named + "}");
  ASSERT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find("retention"), std::string::npos)
      << again.status().message();
  EXPECT_NE(again.status().message().find("restore"), std::string::npos);
  auto fresh = create(named + R"(,"ensure_new":true})");
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_EQ(Json::Parse(fresh->body)->Find("name")->string_value(), "old-1");
}

}  // namespace
}  // namespace sluice::api
