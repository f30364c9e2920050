// DestinationFactory: which store each path and credentials open, what the server must have
// for the environment-backed Azure types, the probe's steps for Azure and Cloud Storage over a
// FakeHttpClient, and the failure messages in each cloud's words.
#include "cloud/destination_factory.h"

#include <gtest/gtest.h>

#include "cloud/probe.h"
#include "cloud/storage_failure.h"
#include "common/base64.h"
#include "fake_http_client.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace sluice::cloud {
namespace {

using testing::FakeHttpClient;
using testing::RecordedRequest;
using Type = DestinationCredentials::Type;

class DestinationFactoryTest : public ::testing::Test {
 protected:
  DestinationFactory& Factory() {
    if (factory_ == nullptr) {
      DestinationFactoryOptions o = OptionsFromEnvironment(env_);
      o.retry = RetryOptions{2, 10, 100, 1'000};
      factory_ = std::make_unique<DestinationFactory>(o, http_, aws_, env_, clock_);
    }
    return *factory_;
  }
  static DestinationRequest Request(std::string path, Type type) {
    DestinationRequest r;
    r.export_path = std::move(path);
    r.credentials.type = type;
    return r;
  }
  MapEnvironment env_;
  FakeHttpClient http_;
  StaticCredentialsProvider aws_{AwsCredentials{"AKID", "secret", "", 0}};
  sluice::testing::FakeClock clock_;
  std::unique_ptr<DestinationFactory> factory_;
};

TEST_F(DestinationFactoryTest, EachSchemeOpensItsStore) {
  env_.Set("AZURE_STORAGE_KEY", Base64Encode("key"));
  auto s3 = Factory().Open(Request("s3://bucket-1/p", Type::kAwsIam));
  ASSERT_TRUE(s3.ok()) << s3.status().ToString();
  EXPECT_EQ(s3->store->Describe(s3->url.Join("k")), "s3://bucket-1/p/k");
  auto az = Factory().Open(Request("az://acct/logs/p", Type::kAzureSharedKey));
  ASSERT_TRUE(az.ok()) << az.status().ToString();
  EXPECT_EQ(az->store->Describe(az->url.Join("k")), "az://acct/logs/p/k");
  DestinationRequest gs = Request("gs://exports-bucket/p", Type::kGcpServiceAccount);
  gs.credentials.service_account_email = "export@c.iam.gserviceaccount.com";
  auto g = Factory().Open(gs);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->principal, "export@c.iam.gserviceaccount.com");
  EXPECT_EQ(g->store->Describe(g->url.Join("k")), "gs://exports-bucket/p/k");
  sluice::testing::TempDir dir;
  auto file = Factory().Open(Request("file://" + dir.path().string(), Type::kNone));
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->url.Join("k"), "k");
  EXPECT_EQ(http_.calls(), 0u);  // identities are fetched on first use, not on open
}

TEST_F(DestinationFactoryTest, WhatTheServerLacksIsSaidBeforeAnyRequest) {
  EXPECT_EQ(Factory().Open(Request("az://acct/logs", Type::kAzureSas)).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_NE(Factory()
                .Open(Request("az://acct/logs", Type::kAzureSharedKey))
                .status()
                .message()
                .find("set AZURE_STORAGE_KEY"),
            std::string::npos);
  EXPECT_EQ(Factory().Open(Request("gs://exports-bucket/p", Type::kAwsIam)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(DestinationFactoryTest, AKeyForAnotherAccountIsRefused) {
  env_.Set("AZURE_STORAGE_CONNECTION_STRING",
           "AccountName=devstoreaccount1;AccountKey=" + Base64Encode("k") +
               ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1");
  const Status s = Factory().Open(Request("az://acct/logs", Type::kAzureSharedKey)).status();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("storage account devstoreaccount1, not acct"), std::string::npos);
}

TEST_F(DestinationFactoryTest, AProbeOfAMissingContainerSaysToCreateIt) {
  env_.Set("AZURE_STORAGE_KEY", Base64Encode("key"));
  http_.Enqueue(404,
                "<?xml version=\"1.0\"?><Error><Code>ContainerNotFound</Code><Message>The "
                "specified container does not exist.</Message></Error>");
  auto steps = ProbeDestination(Factory(), Request("az://acct/logs/p", Type::kAzureSharedKey));
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[1].name, "credentials");
  EXPECT_TRUE(steps[1].ok);
  EXPECT_EQ(steps[2].name, "put");
  EXPECT_EQ(steps[2].message.find("container logs does not exist in storage account acct (create "
                                  "it, or check the names)"),
            0u)
      << steps[2].message;
}

TEST_F(DestinationFactoryTest, AGoogleProbeImpersonatesThenWritesReadsAndDeletes) {
  env_.Set("GCE_METADATA_HOST", "127.0.0.1:9");
  http_.SetFallback([](const RecordedRequest& r) -> Result<HttpResponse> {
    if (r.url.find("/token") != std::string::npos) {
      return HttpResponse{200, {}, R"({"access_token":"ya29.own","expires_in":3600})"};
    }
    if (r.url.find("/email") != std::string::npos) {
      return HttpResponse{200, {}, "sluice@host.iam.gserviceaccount.com"};
    }
    if (r.url.find(":generateAccessToken") != std::string::npos) {
      return HttpResponse{
          200, {}, R"({"accessToken":"ya29.sa","expireTime":"2030-01-01T00:00:00Z"})"};
    }
    if (r.method == "POST") {
      return HttpResponse{200, {}, R"({"name":"p","size":"25"})"};
    }
    if (r.method == "GET") return HttpResponse{200, {}, "sluice destination probe\n"};
    return HttpResponse{204, {}, ""};
  });
  DestinationRequest req = Request("gs://exports-bucket/p", Type::kGcpServiceAccount);
  req.credentials.service_account_email = "export@c.iam.gserviceaccount.com";
  auto steps = ProbeDestination(Factory(), req);
  ASSERT_TRUE(ProbeSucceeded(steps));
  ASSERT_EQ(steps.size(), 6u);
  EXPECT_EQ(steps[1].name, "google identity");
  EXPECT_NE(steps[1].message.find("serviceAccount:sluice@host.iam.gserviceaccount.com"),
            std::string::npos)
      << steps[1].message;
  EXPECT_EQ(steps[2].name, "impersonate");
  EXPECT_EQ(steps[5].name, "delete");
}

TEST(StorageFailure, SaysWhatToChangeInEachCloud) {
  Destination az;
  az.url = *ParseStorageUrl("az://acct/logs/p");
  az.credentials = Type::kAzureIdentity;
  az.principal = "a9900000-0000-0000-0000-000000000003";
  const Status denied = WithStorageError(PermissionDeniedError("AuthorizationPermissionMismatch"),
                                         StorageError::kAccessDenied);
  EXPECT_EQ(ExplainStorageFailure(denied, StorageAction::kWrite, az, "p/k"),
            "PutBlob denied on p/k: assign the role Storage Blob Data Contributor on container "
            "logs of storage account acct to the app registration "
            "a9900000-0000-0000-0000-000000000003 [AuthorizationPermissionMismatch]");
  az.credentials = Type::kAzureSharedKey;
  const Status refused =
      WithStorageError(UnauthenticatedError("AuthenticationFailed"), StorageError::kBadCredentials);
  EXPECT_NE(ExplainStorageFailure(refused, StorageAction::kWrite, az, "k")
                .find("the storage account key was rejected: check AZURE_STORAGE_KEY"),
            std::string::npos);
  Destination gs;
  gs.url = *ParseStorageUrl("gs://bkt/p");
  gs.credentials = Type::kGcpServiceAccount;
  gs.principal = "export@c.iam.gserviceaccount.com";
  const Status missing = WithStorageError(NotFoundError("notFound"), StorageError::kBucketNotFound);
  EXPECT_EQ(ExplainStorageFailure(missing, StorageAction::kWrite, gs, "k"),
            "bucket gs://bkt does not exist (check the name and project) [notFound]");
  EXPECT_NE(ExplainStorageFailure(denied, StorageAction::kDelete, gs, "k")
                .find("objects.delete denied on k: grant roles/storage.objectUser on bucket "
                      "gs://bkt to the service account export@c.iam.gserviceaccount.com (it "
                      "needs storage.objects.delete)"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice::cloud
