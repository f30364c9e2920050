// Where the server's Google Cloud settings come from, read as Google's client libraries and
// the gcloud CLI read them: GOOGLE_APPLICATION_CREDENTIALS and the gcloud well-known file
// (Application Default Credentials), GCE_METADATA_HOST (the metadata server),
// STORAGE_EMULATOR_HOST (Cloud Storage) and CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS
// (the IAM Service Account Credentials API).
#pragma once

#include <string>

#include "cloud/environment.h"

namespace sluice::cloud {

struct GcpSettings {
  // GOOGLE_APPLICATION_CREDENTIALS; empty when unset.
  std::string credentials_file;
  // gcloud's application_default_credentials.json ($CLOUDSDK_CONFIG, else
  // ~/.config/gcloud); read only when credentials_file is empty.
  std::string well_known_file;
  // "http://metadata.google.internal", or "http://" + GCE_METADATA_HOST.
  std::string metadata_base = "http://metadata.google.internal";
  // "https://storage.googleapis.com", or STORAGE_EMULATOR_HOST ("http://" added when it
  // names no scheme).
  std::string storage_endpoint = "https://storage.googleapis.com";
  // "https://iamcredentials.googleapis.com", or CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS.
  std::string iam_credentials_endpoint = "https://iamcredentials.googleapis.com";
};

GcpSettings ResolveGcpSettings(const Environment& env);

}  // namespace sluice::cloud
