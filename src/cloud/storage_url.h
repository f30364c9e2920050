// Destination URLs for exports: "s3://bucket/prefix", "az://account/container/prefix" (or
// "https://<account>.blob.core.windows.net/<container>/<prefix>"), "gs://bucket/prefix" and
// "file:///absolute/dir", with each service's naming rules (cloud/bucket_names.h); and what a
// user must grant when the service denied a call under one of them.
#pragma once

#include <string>
#include <string_view>

#include "cloud/bucket_names.h"
#include "common/status.h"

namespace sluice::cloud {

struct StorageUrl {
  enum class Scheme { kS3, kFile, kAzureBlob, kGcs };
  Scheme scheme = Scheme::kS3;
  // Azure only: the storage account.
  std::string account;
  // The S3 or Cloud Storage bucket, or the Azure container; empty for file.
  std::string bucket;
  // Object stores: the key prefix without leading or trailing '/', possibly empty.
  // file: the absolute directory, without a trailing '/' (except "/").
  std::string path;

  // The canonical form ("az://" for both Azure forms).
  std::string ToString() const;
  // `path` joined with `name` by '/' (the key or file for `name` under the prefix).
  std::string Join(std::string_view name) const;
};

// Errors: kInvalidArgument naming what is wrong ("bucket name must be 3 to 63 characters").
Result<StorageUrl> ParseStorageUrl(std::string_view url);

// The scheme's name for messages and the API ("s3", "azure_blob", "gcs", "file").
std::string_view SchemeName(StorageUrl::Scheme scheme);

// The IAM resource of the objects under an S3 URL's prefix: "arn:aws:s3:::<bucket>/<path>/*"
// ("arn:aws:s3:::<bucket>/*" without a prefix), what a role policy must grant.
std::string PrefixObjectsArn(const StorageUrl& url);

// What a denied call needed, in the words of the destination's access model.
enum class StorageAction { kWrite, kRead, kDelete };

// What to change after the service refused `action` under `url`: "<denied>: <grant> [<detail>]"
// where `denied` names the call and its object ("PutObject denied on s3://b/p/x"), `detail` is
// the service's own message and `grant` says what to grant to whom: for S3 the role policy's
// action on PrefixObjectsArn(url); for Azure the "Storage Blob Data Contributor" role on the
// container for `principal` (the app registration); for Cloud Storage "roles/storage.objectUser"
// on the bucket for `principal` (the service account). `principal` may be empty.
std::string DeniedMessage(std::string_view denied, StorageAction action, const StorageUrl& url,
                          std::string_view principal, std::string_view detail);
}  // namespace sluice::cloud
