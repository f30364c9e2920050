// The credentials of an export config for each cloud: Braintrust's aws_iam and
// gcp_service_account shapes, azure_identity, and the environment-backed azure_sas and
// azure_shared_key; which fit which export_path, and the canonical JSON they are saved as.
#include <gtest/gtest.h>

#include "jobs/automation_config.h"

namespace sluice::jobs {
namespace {

using Type = cloud::DestinationCredentials::Type;

ConfigContext Ctx() {
  ConfigContext c;
  c.org_id = "11111111-1111-4111-8111-111111111111";
  c.project_id = "22222222-2222-4222-8222-222222222222";
  c.automation_id = "33333333-3333-4333-8333-333333333333";
  return c;
}

Result<ExportConfig> Parse(const std::string& path, const std::string& credentials) {
  return ParseExportConfig(
      *Json::Parse(R"({"event_type":"btql_export","export_definition":{"type":"log_spans"},)"
                   R"("export_path":")" +
                   path + R"(","format":"parquet","interval_seconds":300)" +
                   (credentials.empty() ? "" : R"(,"credentials":)" + credentials) + "}"),
      Ctx());
}

constexpr char kTenant[] = "c0570000-0000-0000-0000-000000000002";
constexpr char kClient[] = "a9900000-0000-0000-0000-000000000003";

TEST(ExportCredentials, AzureIdentityNamesTheAppRegistration) {
  auto c = Parse("az://acct/logs/team", std::string(R"({"type":"azure_identity","tenant_id":")") +
                                            kTenant + R"(","client_id":")" + kClient + "\"}");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->credentials.type, Type::kAzureIdentity);
  EXPECT_EQ(c->credentials.tenant_id, kTenant);
  EXPECT_EQ(c->credentials.client_id, kClient);
  const Json saved = ExportConfigToJson(*c);
  EXPECT_EQ(saved.Find("credentials")->ToString(),
            std::string(R"({"type":"azure_identity","tenant_id":")") + kTenant +
                R"(","client_id":")" + kClient + "\"}");
  auto again = ParseExportConfig(saved, Ctx());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ExportConfigToJson(*again).ToString(), saved.ToString());
}

TEST(ExportCredentials, GcpServiceAccountAsBraintrustHasIt) {
  auto c = Parse(
      "gs://exports-bucket/team",
      R"({"type":"gcp_service_account","service_account_email":"export@p.iam.gserviceaccount.com"})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->credentials.type, Type::kGcpServiceAccount);
  EXPECT_EQ(
      ExportConfigToJson(*c).Find("credentials")->ToString(),
      R"({"type":"gcp_service_account","service_account_email":"export@p.iam.gserviceaccount.com"})");
}

TEST(ExportCredentials, EnvironmentBackedAzureTypesCarryNoSecret) {
  auto sas = Parse("https://acct.blob.core.windows.net/logs", R"({"type":"azure_sas"})");
  ASSERT_TRUE(sas.ok()) << sas.status().ToString();
  EXPECT_EQ(sas->credentials.type, Type::kAzureSas);
  auto key = Parse("az://acct/logs", R"({"type":"azure_shared_key"})");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(ExportConfigToJson(*key).Find("credentials")->ToString(),
            R"({"type":"azure_shared_key"})");
}

TEST(ExportCredentials, EachPathTakesItsCloudsCredentials) {
  auto msg = [](const std::string& path, const std::string& cred) {
    return Parse(path, cred).status().message();
  };
  EXPECT_NE(msg("gs://exports-bucket/p",
                R"({"type":"aws_iam","role_arn":"arn:aws:iam::123456789012:role/r"})")
                .find("gs:// paths take credentials {\"type\":\"gcp_service_account\""),
            std::string::npos);
  EXPECT_NE(msg("s3://bucket-1/p", R"({"type":"azure_sas"})").find("s3:// paths take"),
            std::string::npos);
  EXPECT_NE(msg("az://acct/logs", "").find("config.credentials: required: az:// paths take"),
            std::string::npos);
  EXPECT_NE(msg("az://acct/logs", R"({"type":"azure_keys"})").find("config.credentials.type"),
            std::string::npos);
}

TEST(ExportCredentials, IdsThatCouldReachAUrlAreChecked) {
  auto msg = [](const std::string& cred) {
    return Parse("az://acct/logs", cred).status().message();
  };
  EXPECT_NE(msg(std::string(R"({"type":"azure_identity","tenant_id":"../x","client_id":")") +
                kClient + "\"}")
                .find("config.credentials.tenant_id"),
            std::string::npos);
  EXPECT_NE(msg(std::string(R"({"type":"azure_identity","tenant_id":")") + kTenant +
                R"(","client_id":"my app"})")
                .find("config.credentials.client_id"),
            std::string::npos);
  EXPECT_NE(Parse("gs://exports-bucket/p",
                  R"({"type":"gcp_service_account","service_account_email":"a/b@c"})")
                .status()
                .message()
                .find("config.credentials.service_account_email"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice::jobs
