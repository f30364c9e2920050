// The naming rules of buckets and containers, checked before any request so a bad name is
// refused with the rule it breaks: S3 general-purpose buckets, Google Cloud Storage buckets,
// Azure storage accounts and blob containers (each as its service documents them).
#pragma once

#include <string_view>

#include "common/status.h"

namespace sluice::cloud {

// 3-63 characters of a-z 0-9 . -; starts and ends with a letter or digit; no ".."; not an IP
// address; no xn--/sthree- prefix, no -s3alias/--ol-s3 suffix.
Status ValidateBucketName(std::string_view bucket);

// 3-63 characters of a-z 0-9 - _ . (up to 222 with dots, each dot-separated part at most 63);
// starts and ends with a letter or digit; not an IP address; no "goog" prefix, no "google".
Status ValidateGcsBucketName(std::string_view bucket);

// 3-24 characters of a-z 0-9.
Status ValidateAzureAccountName(std::string_view account);

// 3-63 characters of a-z 0-9 -; starts with a letter or digit; every '-' between two letters
// or digits.
Status ValidateAzureContainerName(std::string_view container);

}  // namespace sluice::cloud
