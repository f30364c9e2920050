#include "model/logs3_request.h"

#include <gtest/gtest.h>

namespace sluice::model {
namespace {

constexpr char kP[] = "11111111-1111-4111-8111-111111111111";
constexpr char kE[] = "22222222-2222-4222-8222-222222222222";

std::string Body(const std::string& rows) {
  return R"({"rows":[)" + rows + R"(],"api_version":2})";
}

std::string ErrorOf(const std::string& body) {
  auto r = ParseLogs3Request(body);
  EXPECT_FALSE(r.ok());
  return r.status().message();
}

TEST(ParseLogs3Request, EachRowNamesItsObject) {
  auto r = ParseLogs3Request(
      Body(std::string(R"({"id":"a","project_id":")") + kP + R"(","log_id":"g","input":1},)" +
           R"({"id":"b","experiment_id":")" + kE + R"(","scores":{"acc":1}},)" +
           R"({"id":"c","dataset_id":")" + kE + R"(","project_id":")" + kP + R"(","expected":2})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->rows.size(), 3u);
  EXPECT_EQ(r->rows[0].object, (ObjectRef{ObjectType::kProjectLogs, kP}));
  EXPECT_EQ(r->rows[1].object, (ObjectRef{ObjectType::kExperiment, kE}));
  EXPECT_EQ(r->rows[2].object, (ObjectRef{ObjectType::kDataset, kE}));
  EXPECT_EQ(r->rows[2].project_hint, kP);
  // The object's ids are not event fields.
  EXPECT_EQ(r->rows[0].write.Find("project_id"), nullptr);
  EXPECT_EQ(*r->rows[0].write.Find("input"), "1");
  EXPECT_EQ(*r->rows[1].write.Find("scores"), R"({"acc":1})");
}

TEST(ParseLogs3Request, NamesTheRowAndFieldOfEachProblem) {
  const std::string logs = std::string(R"("project_id":")") + kP + R"(","log_id":"g")";
  EXPECT_EQ(ErrorOf(Body(R"({"id":"a","input":1})")),
            "rows[0]: names no object; send project_id with log_id \"g\" (project logs), "
            "experiment_id or dataset_id");
  EXPECT_EQ(ErrorOf(Body("{" + logs + "},{" + logs + R"(,"scores":{"a":7}})")),
            "rows[1].scores.a: must be a number between 0 and 1, or null");
  EXPECT_EQ(ErrorOf(Body("{" + logs + R"(,"inptu":1})")),
            "rows[0].inptu: is not a field of an event");
  EXPECT_EQ(ErrorOf(Body(R"({"project_id":"x","log_id":"g"})")),
            "rows[0]: object id \"x\" is not a valid UUID");
  EXPECT_EQ(ErrorOf(Body(std::string(R"({"project_id":")") + kP + R"(","log_id":"h"})")),
            "rows[0].log_id: must be \"g\" (project logs)");
  EXPECT_EQ(ErrorOf(Body(std::string(R"({"experiment_id":")") + kE + R"(","dataset_id":")" + kE +
                         R"("})")),
            "rows[0]: names more than one object (log_id, experiment_id, dataset_id); send "
            "exactly one");
  EXPECT_EQ(ErrorOf(Body(std::string(R"({"prompt_session_id":")") + kE + R"("})")),
            "rows[0].prompt_session_id: playground sessions and functions are not stored by "
            "sluice");
  EXPECT_EQ(ErrorOf(R"({"rows":[],"api_version":1})"), "api_version: only 2 is served");
  EXPECT_EQ(ErrorOf(R"({"events":[]})"), "events: is not a field of a logs3 request");
  EXPECT_EQ(ErrorOf(R"({"api_version":2})"), "rows: required");
  EXPECT_EQ(ErrorOf(R"({"rows":"x"})"), "rows: must be an array of rows");
  EXPECT_EQ(ErrorOf("{"),
            "invalid JSON: The JSON document has an improper structure: missing or "
            "superfluous commas, braces, missing keys, etc.");
}

TEST(ParseLogs3Request, TakesTheSdksControlFields) {
  const std::string logs = std::string(R"("project_id":")") + kP + R"(","log_id":"g")";
  auto r = ParseLogs3Request(Body("{" + logs +
                                  R"(,"id":"c","_parent_id":"p","_is_merge":true,)"
                                  R"("_merge_paths":[["metadata"]],"_audit_source":"app",)"
                                  R"("_audit_metadata":{"u":1},"_xact_id":"5","output":2})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows[0].parent_id, "p");
  EXPECT_TRUE(r->rows[0].write.is_merge);
  EXPECT_EQ(r->rows[0].write.merge_paths.size(), 1u);
  EXPECT_EQ(r->rows[0].write.fields.size(), 1u);  // output only
}

TEST(ParseLogs3Request, FeedbackCommentsAreCountedNotStored) {
  auto r = ParseLogs3Request(Body(std::string(R"({"id":"x","experiment_id":")") + kE +
                                  R"(","comment":{"text":"nice"},"origin":{"id":"r1"}})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->rows.empty());
  EXPECT_EQ(r->comments_skipped, 1);
}

TEST(ParseLogs3Request, AnOverflowReferenceNamesItsKey) {
  auto r = ParseLogs3Request(R"({"rows":{"type":"logs3_overflow","key":"k1"},"api_version":2})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->overflow_key, "k1");
  EXPECT_EQ(ErrorOf(R"({"rows":{"type":"other","key":"k1"}})"),
            "rows: must be an array of rows, or {\"type\": \"logs3_overflow\", \"key\": ...}");
  EXPECT_EQ(ErrorOf(R"({"rows":{"type":"logs3_overflow"}})"),
            "rows.key: must be the key POST /logs3/overflow returned");
}

}  // namespace
}  // namespace sluice::model
