// Destination URLs for exports: "s3://bucket/prefix" and "file:///absolute/dir", with S3
// bucket-name validation (the general-purpose bucket naming rules).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace sluice::cloud {

struct StorageUrl {
  enum class Scheme { kS3, kFile };
  Scheme scheme = Scheme::kS3;
  // S3 only.
  std::string bucket;
  // S3: the key prefix without leading or trailing '/', possibly empty.
  // file: the absolute directory, without a trailing '/' (except "/").
  std::string path;

  std::string ToString() const;
  // `path` joined with `name` by '/' (the key or file for `name` under the prefix).
  std::string Join(std::string_view name) const;
};

// Errors: kInvalidArgument naming what is wrong ("bucket name must be 3 to 63 characters").
Result<StorageUrl> ParseStorageUrl(std::string_view url);

// OK when `bucket` follows S3's naming rules, else kInvalidArgument saying which one it breaks.
Status ValidateBucketName(std::string_view bucket);

// The IAM resource of the objects under an S3 URL's prefix: "arn:aws:s3:::<bucket>/<path>/*"
// ("arn:aws:s3:::<bucket>/*" without a prefix), what a role policy must grant.
std::string PrefixObjectsArn(const StorageUrl& url);

// What to change after S3 refused a call under `url`: "<denied>: the role policy needs
// <action> on <PrefixObjectsArn(url)> [<detail>]", where `denied` names the call and its
// object ("PutObject denied on s3://b/p/x") and `detail` is S3's own message.
std::string DeniedMessage(std::string_view denied, std::string_view action, const StorageUrl& url,
                          std::string_view detail);

}  // namespace sluice::cloud
