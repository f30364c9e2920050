// The OTLP/HTTP endpoint's answers: destinations from x-bt-parent, permissions, content types,
// partial success in both encodings, 429 when too many exports run at once, 503 for a busy
// store, and all of a request's rows or none.
#include "api/otlp/otlp_handler.h"

#include <gtest/gtest.h>

#include "api/otlp/otlp_response.h"
#include "common/json.h"
#include "common/uuid.h"
#include "proto_writer.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace sluice::api::otlp {
namespace {

using testing::HexBytes;
using testing::ProtoWriter;

const char kTrace[] = "5b8efff798038103d269b633813fc60c";

ProtoWriter SpanWith(std::string_view span_hex) {
  return ProtoWriter()
      .Bytes(1, HexBytes(kTrace))
      .Bytes(2, HexBytes(span_hex))
      .Bytes(5, "s")
      .Fixed64(7, 1'767'225'600'000'000'000ull);
}

std::string OneSpan() {
  return testing::Request(ProtoWriter(), ProtoWriter().Message(2, SpanWith("eee19b7ec3c1b174")));
}

class OtlpHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(store::sqlite::SqliteStore::Open(dir_.File("db")).value());
    org_ = *store_->CreateOrg("o");
    project_ = *store_->CreateProject({NewUuid(), org_.id, "p", "", clock_.NowMicros()});
    writer_ = Key({{project_.id, model::Permission::kWrite}});
    reader_ = Key({{project_.id, model::Permission::kRead}});
    org_writer_ = Key({{"", model::Permission::kWrite}});
    handler_ = std::make_unique<OtlpHandler>(*store_, clock_, metrics_);
  }

  std::string Key(std::vector<model::Grant> grants) {
    auto m = model::MintKey(model::KeyKind::kApiKey, org_.id, "k", std::move(grants), 0);
    EXPECT_TRUE(store_->CreateApiKey(m.key).ok());
    return "Bearer " + m.plaintext;
  }

  ApiResponse Post(const std::string& body, const std::string& key, const std::string& parent,
                   const std::string& type = "application/x-protobuf") {
    ApiRequest r;
    r.method = "POST";
    r.body = body;
    r.authorization = key;
    r.headers = {{"content-type", type}};
    if (!parent.empty()) r.headers.emplace("x-bt-parent", parent);
    auto a = handler_->Export(r);
    EXPECT_TRUE(a.ok());
    return a.ok() ? *a : ApiResponse();
  }

  // The message of a JSON Status answer.
  static std::string Message(const ApiResponse& a) {
    auto j = Json::Parse(a.body);
    return j.ok() && j->Find("message") ? j->Find("message")->string_value() : a.body;
  }

  int64_t Rows(const model::ObjectRef& object) {
    model::ScanRequest scan;
    scan.object = object;
    return *store_->CountRows(scan);
  }

  model::ObjectRef Logs() const { return {model::ObjectType::kProjectLogs, project_.id}; }

  sluice::testing::TempDir dir_;
  sluice::testing::FakeClock clock_;
  Metrics metrics_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<OtlpHandler> handler_;
  model::Org org_;
  model::Project project_;
  std::string writer_, reader_, org_writer_;
};

TEST_F(OtlpHandlerTest, StoresSpansAndAnswersAnEmptyProtobufResponse) {
  ApiResponse a = Post(OneSpan(), writer_, "project_id:" + project_.id);
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.content_type, "application/x-protobuf");
  EXPECT_EQ(a.body, "");
  EXPECT_EQ(Rows(Logs()), 1);
}

TEST_F(OtlpHandlerTest, ParentHeaderProblemsSayWhatToSend) {
  const std::string json = "application/json";
  ApiResponse missing = Post("{}", writer_, "", json);
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(Message(missing).find("missing x-bt-parent header"), std::string::npos);
  EXPECT_NE(Message(missing).find("project_id:<project id>"), std::string::npos);
  EXPECT_EQ(Post("{}", writer_, "dataset_id:x", json).status, 400);
  EXPECT_EQ(Post("{}", writer_, "project_id", json).status, 400);
  EXPECT_EQ(Post("{}", writer_, "project_id:not-a-uuid", json).status, 400);
  EXPECT_EQ(Post("{}", writer_, "project_id:" + NewUuid(), json).status, 404);
  EXPECT_EQ(Post("{}", writer_, "experiment_id:" + NewUuid(), json).status, 404);
}

TEST_F(OtlpHandlerTest, KeysNeedWriteAndProjectNamesAreCreatedOnlyWithOrgWrite) {
  EXPECT_EQ(Post(OneSpan(), "", "project_id:" + project_.id).status, 401);
  ApiResponse read_only = Post(OneSpan(), reader_, "project_id:" + project_.id);
  EXPECT_EQ(read_only.status, 403);
  EXPECT_EQ(Rows(Logs()), 0);
  ApiResponse not_allowed = Post(OneSpan(), writer_, "project_name:new one");
  EXPECT_EQ(not_allowed.status, 403);
  auto none = store_->FindProjectByName(org_.id, "new one");
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(Post(OneSpan(), org_writer_, "project_name:new one").status, 200);
  auto created = store_->FindProjectByName(org_.id, "new one");
  ASSERT_TRUE(created->has_value());
  EXPECT_EQ(Rows({model::ObjectType::kProjectLogs, (*created)->id}), 1);
  // An existing project by name needs only write on it.
  EXPECT_EQ(Post(OneSpan(), writer_, "project_name:p").status, 200);
  EXPECT_EQ(Rows(Logs()), 1);
}

TEST_F(OtlpHandlerTest, AnExperimentAsDestination) {
  model::Experiment e;
  e.id = NewUuid();
  e.project_id = project_.id;
  e.name = "e1";
  e.created = clock_.NowMicros();
  ASSERT_TRUE(store_->CreateExperiment(e).ok());
  EXPECT_EQ(Post(OneSpan(), writer_, "experiment_id:" + e.id).status, 200);
  EXPECT_EQ(Rows({model::ObjectType::kExperiment, e.id}), 1);
  EXPECT_EQ(Rows(Logs()), 0);
}

TEST_F(OtlpHandlerTest, PartialSuccessInBothEncodingsAndBadBodiesStoreNothing) {
  ProtoWriter spans;
  spans.Message(2, SpanWith("eee19b7ec3c1b174")).Message(2, SpanWith("0000000000000000"));
  ApiResponse a =
      Post(testing::Request(ProtoWriter(), spans), writer_, "project_id:" + project_.id);
  EXPECT_EQ(a.status, 200);
  // ExportTraceServiceResponse{partial_success{rejected_spans: 1, error_message}}.
  EXPECT_EQ(a.body.substr(2, 2), std::string("\x08\x01", 2));
  EXPECT_NE(a.body.find("1 of 2 spans not stored: resource_spans[0].scope_spans[0].spans[1]: "
                        "span id must be 8 bytes"),
            std::string::npos);
  EXPECT_EQ(Rows(Logs()), 1);
  ApiResponse json = Post(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x"}]}]}]})",
                          writer_, "project_id:" + project_.id, "application/json; charset=utf-8");
  EXPECT_EQ(json.status, 200);
  auto body = Json::Parse(json.body);
  ASSERT_TRUE(body.ok()) << json.body;
  EXPECT_EQ(body->Find("partialSuccess")->Find("rejectedSpans")->string_value(), "1");
  const std::string truncated = OneSpan().substr(0, OneSpan().size() - 3);
  ApiResponse bad = Post(truncated, writer_, "project_id:" + project_.id);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body[0], '\x08');  // google.rpc.Status{code: 3 (invalid argument), message}
  EXPECT_EQ(bad.body[1], '\x03');
  EXPECT_EQ(Rows(Logs()), 1);
}

TEST_F(OtlpHandlerTest, OtherContentTypesAndEncodingsAre415) {
  ApiResponse text = Post(OneSpan(), writer_, "project_id:" + project_.id, "text/plain");
  EXPECT_EQ(text.status, 415);
  EXPECT_NE(Message(text).find("application/x-protobuf or application/json"), std::string::npos);
  ApiRequest r;
  r.body = OneSpan();
  r.authorization = writer_;
  r.headers = {{"content-type", "application/x-protobuf"},
               {"content-encoding", "zstd"},
               {"x-bt-parent", "project_id:" + project_.id}};
  EXPECT_EQ(handler_->Export(r)->status, 415);
  EXPECT_EQ(Rows(Logs()), 0);
}

TEST_F(OtlpHandlerTest, TooManyExportsAtOnceAre429WithRetryAfter) {
  OtlpOptions none;
  none.max_concurrent_requests = 0;
  handler_ = std::make_unique<OtlpHandler>(*store_, clock_, metrics_, none);
  ApiResponse a = Post(OneSpan(), writer_, "project_id:" + project_.id);
  EXPECT_EQ(a.status, 429);
  ASSERT_EQ(a.headers.size(), 1u);
  EXPECT_EQ(a.headers[0].first, "Retry-After");
  EXPECT_EQ(Rows(Logs()), 0);
}

TEST(OtlpAnswers, ABusyStoreIsRetryable503WithRetryAfter) {
  ApiResponse a = ErrorAnswer(Encoding::kJson, UnavailableError("database is locked"), 2);
  EXPECT_EQ(a.status, 503);
  EXPECT_EQ(a.headers, (std::vector<std::pair<std::string, std::string>>{{"Retry-After", "2"}}));
  EXPECT_EQ(a.body, R"({"code":14,"message":"database is locked"})");
  EXPECT_EQ(ErrorAnswer(Encoding::kJson, AbortedError("conflict"), 1).status, 503);
  ApiResponse internal = ErrorAnswer(Encoding::kProtobuf, InternalError("disk detail"), 1);
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(internal.body.find("disk detail"), std::string::npos);
}

}  // namespace
}  // namespace sluice::api::otlp
