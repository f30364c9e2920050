#include "jobs/automation_config.h"

#include <gtest/gtest.h>

#include "jobs/config_cache.h"

namespace sluice::jobs {
namespace {

ConfigContext Ctx() {
  ConfigContext c;
  c.org_id = "11111111-1111-4111-8111-111111111111";
  c.project_id = "22222222-2222-4222-8222-222222222222";
  c.automation_id = "33333333-3333-4333-8333-333333333333";
  return c;
}

Json Export(const std::string& extra = "") {
  return *Json::Parse(
      R"({"event_type":"btql_export","export_definition":{"type":"log_traces"},)"
      R"("export_path":"s3://bucket-1/prefix/x","format":"jsonl","interval_seconds":300,)"
      R"("credentials":{"type":"aws_iam","role_arn":"arn:aws:iam::123456789012:role/r"})" +
      extra + "}");
}

TEST(AutomationConfig, ExportDefaultsAndServerExternalId) {
  auto c = ParseExportConfig(Export(), Ctx());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->credentials.external_id,
            "sluice:11111111-1111-4111-8111-111111111111:22222222-2222-4222-8222-222222222222:"
            "33333333-3333-4333-8333-333333333333");
  EXPECT_EQ(c->batch_size, 100'000);
  EXPECT_EQ(c->max_iterations, 10);
  EXPECT_TRUE(c->active);
  // The canonical JSON parses back to the same config.
  auto again = ParseExportConfig(ExportConfigToJson(*c), Ctx());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ExportConfigToJson(*again).ToString(), ExportConfigToJson(*c).ToString());
}

TEST(AutomationConfig, LocalDirectoriesNeedNoCredentials) {
  auto j =
      *Json::Parse(R"({"event_type":"btql_export","export_definition":{"type":"log_spans"},)"
                   R"("export_path":"file:///tmp/out","format":"parquet","interval_seconds":600})");
  EXPECT_TRUE(ParseExportConfig(j, Ctx()).ok());
}

TEST(AutomationConfig, ErrorsNameTheField) {
  EXPECT_NE(ParseExportConfig(Export(R"(,"batch_size":0)"), Ctx())
                .status()
                .message()
                .find("config.batch_size"),
            std::string::npos);
  EXPECT_NE(ParseExportConfig(Export(R"(,"colour":"red")"), Ctx())
                .status()
                .message()
                .find("config.colour"),
            std::string::npos);
  auto r = ParseRetentionConfig(
      *Json::Parse(R"({"event_type":"retention","object_type":"dataset","retention_days":0})"),
      Ctx());
  EXPECT_NE(r.status().message().find("retention_days"), std::string::npos);
  auto f = ParseRetentionConfig(
      *Json::Parse(R"({"event_type":"retention","object_type":"dataset","retention_days":3,)"
                   R"("exempt_filter":"tags includs 'x'"})"),
      Ctx());
  EXPECT_NE(f.status().message().find("exempt_filter"), std::string::npos);
}

Json Retention(const std::string& extra = "") {
  return *Json::Parse(R"({"event_type":"retention","object_type":"project_logs",)"
                      R"("retention_days":30)" +
                      extra + "}");
}

std::string RetentionError(const std::string& extra) {
  return ParseRetentionConfig(Retention(extra), Ctx()).status().message();
}

TEST(AutomationConfig, RetentionIsActiveUnlessPausedAndShowsItsStatus) {
  auto active = ParseRetentionConfig(Retention(), Ctx());
  ASSERT_TRUE(active.ok()) << active.status().ToString();
  EXPECT_TRUE(active->active);
  EXPECT_EQ(RetentionConfigToJson(*active).Find("status")->string_value(), "active");

  auto paused = ParseRetentionConfig(Retention(R"(,"status":"paused")"), Ctx());
  ASSERT_TRUE(paused.ok()) << paused.status().ToString();
  EXPECT_FALSE(paused->active);
  const Json canonical = RetentionConfigToJson(*paused);
  EXPECT_EQ(canonical.Find("status")->string_value(), "paused");
  auto again = ParseRetentionConfig(canonical, Ctx());
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->active);

  EXPECT_EQ(RetentionError(R"(,"status":"stopped")"), "config.status: must be active or paused");
  EXPECT_EQ(RetentionError(R"(,"status":false)"), "config.status: must be a string");
}

TEST(AutomationConfig, ExemptFilterErrorsPointIntoTheFilter) {
  EXPECT_EQ(RetentionError(R"(,"exempt_filter":"tags includes")"),
            "config.exempt_filter: expected an expression but found end of query at 1:14");
  // The second line of a filter is line 2, columns as written.
  const std::string multi =
      RetentionError(R"(,"exempt_filter":"tags includes 'keep'\nor metdata.x = 1")");
  EXPECT_NE(multi.find("'metdata' at 2:4"), std::string::npos) << multi;
}

TEST(AutomationConfig, ExemptFilterMustBeAnExpressionOnly) {
  EXPECT_EQ(RetentionError(R"(,"exempt_filter":"tags includes 'keep' | limit: 1")"),
            "config.exempt_filter: must be a filter expression only, such as tags includes "
            "'keep'; found '|' at 1:22 (clauses such as limit:, sort: or select: are not "
            "allowed)");
  const std::string clause = RetentionError(R"(,"exempt_filter":"tags includes 'keep'\nsort: id")");
  EXPECT_NE(clause.find("must be a filter expression only"), std::string::npos) << clause;
  EXPECT_NE(clause.find("found 'sort:' at 2:1"), std::string::npos) << clause;
  const std::string semicolon = RetentionError(R"(,"exempt_filter":"tags includes 'keep';")");
  EXPECT_NE(semicolon.find("found ';' at 1:21"), std::string::npos) << semicolon;
  // Inside a string a '|' or ':' is only text.
  auto ok = ParseRetentionConfig(
      Retention(R"(,"exempt_filter":"tags includes 'a|b: c' or metadata.keep = true")"), Ctx());
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
}

TEST(ConfigCache, ParsesAConfigOnceUntilItChanges) {
  model::Automation a;
  a.id = Ctx().automation_id;
  a.org_id = Ctx().org_id;
  a.project_id = Ctx().project_id;
  a.type = model::AutomationType::kExport;
  a.config =
      Export(R"x(,"export_definition":{"type":"btql_query","btql_query":"select: id | from: )x"
             R"x(project_logs('22222222-2222-4222-8222-222222222222')"})x");
  ConfigCache cache;
  auto first = cache.Export(a);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_NE((*first)->query, nullptr);  // the custom query comes parsed
  EXPECT_EQ(ExportSource(**first, a.project_id).id, a.project_id);
  auto again = cache.Export(a);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->get(), first->get());  // not parsed again
  a.config.Set("batch_size", Json::Int(7));
  auto changed = cache.Export(a);
  ASSERT_TRUE(changed.ok());
  EXPECT_NE(changed->get(), first->get());
  EXPECT_EQ((*changed)->batch_size, 7);
  a.type = model::AutomationType::kRetention;
  a.config =
      *Json::Parse(R"({"event_type":"retention","object_type":"project_logs","retention_days":3})");
  auto retention = cache.Retention(a);
  ASSERT_TRUE(retention.ok()) << retention.status().ToString();
  EXPECT_EQ((*retention)->retention_days, 3);
}

}  // namespace
}  // namespace sluice::jobs
