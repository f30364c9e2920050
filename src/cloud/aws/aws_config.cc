#include "cloud/aws/aws_config.h"

#include <cctype>
#include <fstream>
#include <sstream>

namespace sluice::cloud {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string FirstOf(std::initializer_list<std::optional<std::string>> values) {
  for (const auto& v : values) {
    if (v && !v->empty()) return *v;
  }
  return "";
}

std::optional<std::string> NonEmpty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

}  // namespace

IniFile ParseIni(std::string_view text) {
  IniFile out;
  std::string section;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = Trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = std::string(Trim(line.substr(1, line.size() - 2)));
      out[section];
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos || section.empty()) continue;
    out[section][Lower(Trim(line.substr(0, eq)))] = std::string(Trim(line.substr(eq + 1)));
  }
  return out;
}

Result<IniFile> ReadIniFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFoundError("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseIni(ss.str());
}

std::map<std::string, std::string> ConfigProfile(const IniFile& config,
                                                 const std::string& profile) {
  auto it = config.find("profile " + profile);
  if (it == config.end() && profile == "default") it = config.find("default");
  return it == config.end() ? std::map<std::string, std::string>() : it->second;
}

AwsSettings ResolveAwsSettings(const Environment& env, const AwsSettingsOverrides& o) {
  AwsSettings s;
  const std::string home = env.Get("HOME").value_or("");
  s.credentials_file = FirstOf({env.Get("AWS_SHARED_CREDENTIALS_FILE"),
                                NonEmpty(home.empty() ? "" : home + "/.aws/credentials")});
  s.config_file =
      FirstOf({env.Get("AWS_CONFIG_FILE"), NonEmpty(home.empty() ? "" : home + "/.aws/config")});
  s.profile = FirstOf({NonEmpty(o.profile), env.Get("AWS_PROFILE"), std::string("default")});

  std::map<std::string, std::string> profile_config;
  if (!s.config_file.empty()) {
    auto config = ReadIniFile(s.config_file);
    if (config.ok()) profile_config = ConfigProfile(*config, s.profile);
  }
  auto from_config = [&](const char* key) -> std::optional<std::string> {
    auto it = profile_config.find(key);
    return it == profile_config.end() ? std::nullopt : NonEmpty(it->second);
  };
  s.region = FirstOf({NonEmpty(o.region), env.Get("AWS_REGION"), env.Get("AWS_DEFAULT_REGION"),
                      from_config("region"), std::string("us-east-1")});
  s.s3_endpoint = FirstOf({NonEmpty(o.s3_endpoint), env.Get("AWS_ENDPOINT_URL_S3"),
                           env.Get("AWS_ENDPOINT_URL"), from_config("endpoint_url")});
  s.sts_endpoint = FirstOf({NonEmpty(o.sts_endpoint), env.Get("AWS_ENDPOINT_URL_STS"),
                            env.Get("AWS_ENDPOINT_URL"), from_config("endpoint_url")});
  return s;
}

}  // namespace sluice::cloud
