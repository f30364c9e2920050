// Azure Blob and Cloud Storage destination URLs, their naming rules, and the "denied" messages
// that say what to grant in each cloud's words.
#include "cloud/storage_url.h"

#include <gtest/gtest.h>

namespace sluice::cloud {
namespace {

std::string Error(const char* url) { return ParseStorageUrl(url).status().message(); }

TEST(StorageUrl, ParsesBothAzureForms) {
  auto az = ParseStorageUrl("az://myaccount/exports/team/logs/");
  ASSERT_TRUE(az.ok()) << az.status().ToString();
  EXPECT_EQ(az->scheme, StorageUrl::Scheme::kAzureBlob);
  EXPECT_EQ(az->account, "myaccount");
  EXPECT_EQ(az->bucket, "exports");
  EXPECT_EQ(az->path, "team/logs");
  EXPECT_EQ(az->ToString(), "az://myaccount/exports/team/logs");
  auto https = ParseStorageUrl("https://myaccount.blob.core.windows.net/exports/team/logs");
  ASSERT_TRUE(https.ok()) << https.status().ToString();
  EXPECT_EQ(https->ToString(), az->ToString());
  auto bare = ParseStorageUrl("az://myaccount/exports");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->path, "");
  EXPECT_EQ(bare->Join("2024-05-01/export_001.jsonl"), "2024-05-01/export_001.jsonl");
}

TEST(StorageUrl, ParsesCloudStorage) {
  auto gs = ParseStorageUrl("gs://my_bucket.example/a/b/");
  ASSERT_TRUE(gs.ok()) << gs.status().ToString();
  EXPECT_EQ(gs->scheme, StorageUrl::Scheme::kGcs);
  EXPECT_EQ(gs->bucket, "my_bucket.example");
  EXPECT_EQ(gs->path, "a/b");
  EXPECT_EQ(gs->ToString(), "gs://my_bucket.example/a/b");
  EXPECT_EQ(SchemeName(gs->scheme), "gcs");
}

TEST(StorageUrl, ExplainsBadAzureNames) {
  EXPECT_NE(Error("az://ab/c0ntainer").find("3 to 24"), std::string::npos);
  EXPECT_NE(Error("az://My-Account/logs").find("lower-case letters and digits"), std::string::npos);
  EXPECT_NE(Error("az://account").find("no container"), std::string::npos);
  EXPECT_NE(Error("az://account/a--b").find("between letters or digits"), std::string::npos);
  EXPECT_NE(Error("az://account/Logs").find("lower-case"), std::string::npos);
  EXPECT_NE(Error("az://account/logs/a//b").find("empty path segment"), std::string::npos);
}

TEST(StorageUrl, HttpsIsOnlyAzuresOwnBlobEndpoint) {
  // A token for Azure Storage must never be sent to a host the user picked.
  EXPECT_NE(Error("https://account.blob.core.windows.net.evil.example/c/p").find("Azure blob URL"),
            std::string::npos);
  EXPECT_NE(Error("https://example.com/c/p").find("Azure blob URL"), std::string::npos);
  EXPECT_FALSE(ParseStorageUrl("https://.blob.core.windows.net/logs").ok());
}

TEST(StorageUrl, ExplainsBadCloudStorageNames) {
  EXPECT_NE(Error("gs://ab").find("3 to 63"), std::string::npos);
  EXPECT_NE(Error("gs://Bucket").find("lower-case"), std::string::npos);
  EXPECT_NE(Error("gs://google-exports").find("google"), std::string::npos);
  EXPECT_NE(Error("gs://goog-exports").find("goog"), std::string::npos);
  EXPECT_NE(Error("gs://10.0.0.1").find("IP address"), std::string::npos);
  EXPECT_NE(Error("gs:///x").find("no bucket"), std::string::npos);
  EXPECT_TRUE(ParseStorageUrl("gs://" + std::string(63, 'a')).ok());
  EXPECT_FALSE(ParseStorageUrl("gs://" + std::string(64, 'a')).ok());
}

TEST(StorageUrl, DeniedMessagesSayWhatToGrantInEachCloud) {
  auto s3 = *ParseStorageUrl("s3://bkt/team/logs");
  EXPECT_EQ(DeniedMessage("PutObject denied on s3://bkt/team/logs/x", StorageAction::kWrite, s3, "",
                          "AccessDenied"),
            "PutObject denied on s3://bkt/team/logs/x: the role policy needs s3:PutObject on "
            "arn:aws:s3:::bkt/team/logs/* [AccessDenied]");
  auto az = *ParseStorageUrl("az://acct/logs/p");
  const std::string azure =
      DeniedMessage("PutBlob denied", StorageAction::kWrite, az, "1111", "detail");
  EXPECT_NE(azure.find("Storage Blob Data Contributor on container logs of storage account acct "
                       "to the app registration 1111"),
            std::string::npos)
      << azure;
  auto gs = *ParseStorageUrl("gs://bkt/p");
  const std::string gcs =
      DeniedMessage("get denied", StorageAction::kRead, gs, "sa@p.iam.gserviceaccount.com", "d");
  EXPECT_NE(gcs.find("roles/storage.objectUser on bucket gs://bkt to the service account "
                     "sa@p.iam.gserviceaccount.com (it needs storage.objects.get)"),
            std::string::npos)
      << gcs;
}

}  // namespace
}  // namespace sluice::cloud
