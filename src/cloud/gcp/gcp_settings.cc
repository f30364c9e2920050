#include "cloud/gcp/gcp_settings.h"

namespace sluice::cloud {
namespace {

// "host:port" as the variables are usually written, or a URL; no trailing '/'.
std::string AsBaseUrl(std::string value) {
  if (value.find("://") == std::string::npos) value = "http://" + value;
  while (value.ends_with('/')) value.pop_back();
  return value;
}

}  // namespace

GcpSettings ResolveGcpSettings(const Environment& env) {
  GcpSettings s;
  s.credentials_file = env.Get("GOOGLE_APPLICATION_CREDENTIALS").value_or("");
  if (auto dir = env.Get("CLOUDSDK_CONFIG")) {
    s.well_known_file = *dir + "/application_default_credentials.json";
  } else if (auto home = env.Get("HOME")) {
    s.well_known_file = *home + "/.config/gcloud/application_default_credentials.json";
  }
  if (auto host = env.Get("GCE_METADATA_HOST")) s.metadata_base = AsBaseUrl(*host);
  if (auto host = env.Get("STORAGE_EMULATOR_HOST")) s.storage_endpoint = AsBaseUrl(*host);
  if (auto iam = env.Get("CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS")) {
    s.iam_credentials_endpoint = AsBaseUrl(*iam);
    // gcloud writes the override with the API's version path; sluice adds "/v1/..." itself.
    if (s.iam_credentials_endpoint.ends_with("/v1"))
      s.iam_credentials_endpoint.resize(s.iam_credentials_endpoint.size() - 3);
  }
  return s;
}

}  // namespace sluice::cloud
