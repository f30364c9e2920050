// Where AWS settings come from, read the way the AWS SDKs and CLI read them: an injectable
// Environment (so tests never touch the process environment), the shared credentials and
// config files (INI; "[profile x]" sections in the config file), region and endpoint
// overrides (AWS_REGION, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3,
// AWS_ENDPOINT_URL_STS).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "cloud/environment.h"
#include "common/status.h"

namespace sluice::cloud {

// section -> key -> value. Keys are lower-cased; values trimmed; '#'/';' start comments.
using IniFile = std::map<std::string, std::map<std::string, std::string>>;
IniFile ParseIni(std::string_view text);
// Reads and parses a file; kNotFound when it does not exist.
Result<IniFile> ReadIniFile(const std::string& path);

// Explicit settings (sluice's own configuration) that win over everything else.
struct AwsSettingsOverrides {
  std::string profile;
  std::string region;
  std::string s3_endpoint;
  std::string sts_endpoint;
};

struct AwsSettings {
  std::string profile = "default";
  std::string region = "us-east-1";
  // Empty means the regional AWS endpoint.
  std::string s3_endpoint;
  std::string sts_endpoint;
  std::string credentials_file;  // the shared credentials file's path
  std::string config_file;       // the shared config file's path
};

// Resolves, each in this order: overrides; environment (AWS_PROFILE; AWS_REGION then
// AWS_DEFAULT_REGION; AWS_ENDPOINT_URL_S3/_STS then AWS_ENDPOINT_URL); the profile's section
// of the config file (region); defaults (profile "default", region us-east-1). File paths come
// from AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, else ~/.aws/credentials and ~/.aws/config.
AwsSettings ResolveAwsSettings(const Environment& env, const AwsSettingsOverrides& overrides);

// The profile's section of the config file ("[profile x]", or "[default]"); empty if absent.
std::map<std::string, std::string> ConfigProfile(const IniFile& config, const std::string& profile);

}  // namespace sluice::cloud
