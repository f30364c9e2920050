#include "cloud/aws/credential_providers.h"

#include "common/json.h"
#include "common/time_util.h"

namespace sluice::cloud {
namespace {

constexpr char kEcsHost[] = "http://169.254.170.2";
constexpr char kImdsHost[] = "http://169.254.169.254";

// The JSON document served by the container endpoint and IMDS.
Result<AwsCredentials> ParseCredentialsJson(const std::string& body, std::string_view source) {
  auto doc = Json::Parse(body);
  if (!doc.ok()) return UnavailableError(std::string(source) + ": credentials are not JSON");
  auto text = [&](const char* key) {
    const Json* v = doc->Find(key);
    return v && v->is_string() ? v->string_value() : std::string();
  };
  AwsCredentials c{text("AccessKeyId"), text("SecretAccessKey"), text("Token"), 0};
  if (c.empty()) {
    return UnavailableError(std::string(source) + ": response lacks AccessKeyId/SecretAccessKey");
  }
  const std::string exp = text("Expiration");
  if (!exp.empty()) {
    SLUICE_ASSIGN_OR_RETURN(c.expiration, ParseRfc3339(exp));
  }
  return c;
}

// Transport failures of a metadata endpoint mean "not available here": the chain moves on.
Status Unreachable(std::string_view source, const Status& s) {
  return NotFoundError(std::string(source) + " unreachable (" + s.message() + ")");
}

}  // namespace

Result<AwsCredentials> EnvironmentCredentialsProvider::GetCredentials() {
  auto id = env_.Get("AWS_ACCESS_KEY_ID");
  auto secret = env_.Get("AWS_SECRET_ACCESS_KEY");
  if (!id || !secret) return NotFoundError("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY not set");
  return AwsCredentials{*id, *secret, env_.Get("AWS_SESSION_TOKEN").value_or(""), 0};
}

Result<AwsCredentials> ProfileCredentialsProvider::GetCredentials() {
  std::map<std::string, std::string> values;
  auto creds_file = ReadIniFile(settings_.credentials_file);
  if (creds_file.ok()) {
    auto it = creds_file->find(settings_.profile);
    if (it != creds_file->end()) values = it->second;
  }
  if (values.find("aws_access_key_id") == values.end()) {
    auto config = ReadIniFile(settings_.config_file);
    if (config.ok()) values = ConfigProfile(*config, settings_.profile);
  }
  AwsCredentials c{values["aws_access_key_id"], values["aws_secret_access_key"],
                   values["aws_session_token"], 0};
  if (c.empty()) {
    return NotFoundError("no keys for profile \"" + settings_.profile + "\" in " +
                         settings_.credentials_file + " or " + settings_.config_file);
  }
  return c;
}

WebIdentityCredentialsProvider::WebIdentityCredentialsProvider(const Environment& env,
                                                               StsOptions sts, HttpClient& http,
                                                               Clock& clock)
    : RefreshingCredentialsProvider(clock), env_(env), sts_(std::move(sts), http, clock) {}

Result<AwsCredentials> WebIdentityCredentialsProvider::Fetch() {
  auto token_file = env_.Get("AWS_WEB_IDENTITY_TOKEN_FILE");
  auto role = env_.Get("AWS_ROLE_ARN");
  if (!token_file || !role)
    return NotFoundError("AWS_WEB_IDENTITY_TOKEN_FILE/AWS_ROLE_ARN not set");
  auto token = ReadTextFile(*token_file);
  if (!token.ok()) {
    return FailedPreconditionError("AWS_WEB_IDENTITY_TOKEN_FILE: " + token.status().message());
  }
  const std::string session = env_.Get("AWS_ROLE_SESSION_NAME").value_or("sluice");
  return sts_.AssumeRoleWithWebIdentity(*role, session, *token);
}

Result<AwsCredentials> ContainerCredentialsProvider::Fetch() {
  std::string url;
  if (auto rel = env_.Get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    url = kEcsHost + *rel;
  } else if (auto full = env_.Get("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    url = *full;
  } else {
    return NotFoundError("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/_FULL_URI not set");
  }
  HttpRequest req;
  req.url = url;
  std::optional<std::string> auth = env_.Get("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  if (auto file = env_.Get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    SLUICE_ASSIGN_OR_RETURN(std::string t, ReadTextFile(*file));
    auth = t;
  }
  if (auth) req.headers.emplace_back("Authorization", *auth);
  auto resp = http_.SendWithTimeout(req, 2000);
  if (!resp.ok())
    return UnavailableError("container credentials endpoint " + url + ": " +
                            resp.status().message());
  if (resp->status_code != 200) {
    return UnavailableError("container credentials endpoint " + url + " answered HTTP " +
                            std::to_string(resp->status_code));
  }
  return ParseCredentialsJson(resp->body, "container credentials endpoint");
}

Result<AwsCredentials> ImdsCredentialsProvider::Fetch() {
  if (env_.Get("AWS_EC2_METADATA_DISABLED").value_or("") == "true") {
    return NotFoundError("AWS_EC2_METADATA_DISABLED=true");
  }
  const std::string base = env_.Get("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or(kImdsHost);
  HttpRequest token_req;
  token_req.method = "PUT";
  token_req.url = base + "/latest/api/token";
  token_req.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
  auto token = http_.SendWithTimeout(token_req, kTimeoutMs);
  if (!token.ok()) return Unreachable("instance metadata service", token.status());
  if (token->status_code != 200) {
    return NotFoundError("instance metadata token request answered HTTP " +
                         std::to_string(token->status_code));
  }
  HttpRequest req;
  req.url = base + "/latest/meta-data/iam/security-credentials/";
  req.headers = {{"X-aws-ec2-metadata-token", token->body}};
  auto role = http_.SendWithTimeout(req, kTimeoutMs);
  if (!role.ok()) return Unreachable("instance metadata service", role.status());
  if (role->status_code == 404) return NotFoundError("no IAM role attached to this instance");
  std::string name = role->body.substr(0, role->body.find('\n'));
  if (role->status_code != 200 || name.empty()) {
    return UnavailableError("instance metadata role lookup answered HTTP " +
                            std::to_string(role->status_code));
  }
  req.url += name;
  auto creds = http_.SendWithTimeout(req, kTimeoutMs);
  if (!creds.ok()) return Unreachable("instance metadata service", creds.status());
  if (creds->status_code != 200) {
    return UnavailableError("instance metadata credentials answered HTTP " +
                            std::to_string(creds->status_code));
  }
  return ParseCredentialsJson(creds->body, "instance metadata");
}

Result<AwsCredentials> ChainCredentialsProvider::GetCredentials() {
  std::lock_guard<std::mutex> lock(mu_);
  if (last_ != nullptr) {
    auto c = last_->GetCredentials();
    if (c.ok() || c.status().code() != StatusCode::kNotFound) return c;
  }
  std::string reasons;
  for (const auto& p : providers_) {
    auto c = p->GetCredentials();
    if (c.ok()) {
      last_ = p.get();
      return c;
    }
    if (c.status().code() != StatusCode::kNotFound) {
      return c.status().WithContext("credentials from " + p->Name());
    }
    reasons += "; " + p->Name() + ": " + c.status().message();
  }
  return NotFoundError("no AWS credentials found" + reasons);
}

void ChainCredentialsProvider::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& p : providers_) p->Invalidate();
}

std::string ChainCredentialsProvider::Name() const {
  std::string out = "chain(";
  for (size_t i = 0; i < providers_.size(); ++i) out += (i ? ", " : "") + providers_[i]->Name();
  return out + ")";
}

std::unique_ptr<CredentialsProvider> MakeDefaultCredentialsChain(
    const Environment& env, const AwsSettings& settings, HttpClient& http, Clock& clock,
    std::optional<AwsCredentials> explicit_credentials) {
  std::vector<std::unique_ptr<CredentialsProvider>> chain;
  if (explicit_credentials && !explicit_credentials->empty()) {
    chain.push_back(std::make_unique<StaticCredentialsProvider>(*explicit_credentials));
  }
  chain.push_back(std::make_unique<EnvironmentCredentialsProvider>(env));
  chain.push_back(std::make_unique<ProfileCredentialsProvider>(settings));
  StsOptions sts;
  sts.region = settings.region;
  sts.endpoint = settings.sts_endpoint;
  chain.push_back(std::make_unique<WebIdentityCredentialsProvider>(env, sts, http, clock));
  chain.push_back(std::make_unique<ContainerCredentialsProvider>(env, http, clock));
  chain.push_back(std::make_unique<ImdsCredentialsProvider>(env, http, clock));
  return std::make_unique<ChainCredentialsProvider>(std::move(chain));
}

}  // namespace sluice::cloud
