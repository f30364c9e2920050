#include "cloud/gcp/google_token_sources.h"

#include "cloud/environment.h"
#include "cloud/gcp/impersonation.h"
#include "cloud/oauth/token_endpoint.h"
#include "common/json.h"

namespace sluice::cloud {
namespace {

constexpr char kJwtBearerGrant[] = "urn:ietf:params:oauth:grant-type:jwt-bearer";
constexpr char kTokenExchangeGrant[] = "urn:ietf:params:oauth:grant-type:token-exchange";
constexpr char kAccessTokenType[] = "urn:ietf:params:oauth:token-type:access_token";
constexpr int64_t kAssertionLifetimeSeconds = 3600;

}  // namespace

RetryOptions GoogleTokenRetry() { return RetryOptions{4, 200, 2'000, 20'000}; }

Result<std::unique_ptr<ServiceAccountKeyTokenProvider>> ServiceAccountKeyTokenProvider::Create(
    GoogleCredentialsFile file, HttpClient& http, Clock& clock) {
  auto signer = RsaSha256Signer::FromPem(file.private_key);
  if (!signer.ok()) {
    return InvalidArgumentError("private_key of " + file.path + ": " + signer.status().message());
  }
  return std::unique_ptr<ServiceAccountKeyTokenProvider>(
      new ServiceAccountKeyTokenProvider(std::move(file), std::move(signer).value(), http, clock));
}

ServiceAccountKeyTokenProvider::ServiceAccountKeyTokenProvider(
    GoogleCredentialsFile file, std::unique_ptr<RsaSha256Signer> signer, HttpClient& http,
    Clock& clock)
    : RefreshingTokenProvider(clock),
      file_(std::move(file)),
      signer_(std::move(signer)),
      http_(http),
      retry_(GoogleTokenRetry(), clock) {}

Result<std::string> ServiceAccountKeyTokenProvider::Assertion(TimestampMicros now) const {
  const int64_t iat = now / 1'000'000;
  Json header = Json::Object();
  if (!file_.private_key_id.empty()) header.Set("kid", Json::String(file_.private_key_id));
  Json claims = Json::Object();
  claims.Set("iss", Json::String(file_.client_email));
  claims.Set("scope", Json::String(kCloudPlatformScope));
  claims.Set("aud", Json::String(file_.token_uri));
  claims.Set("iat", Json::Int(iat));
  claims.Set("exp", Json::Int(iat + kAssertionLifetimeSeconds));
  return SignJwtRs256(std::move(header), claims, *signer_);
}

Result<AccessToken> ServiceAccountKeyTokenProvider::Fetch() {
  SLUICE_ASSIGN_OR_RETURN(std::string assertion, Assertion(clock_.NowMicros()));
  TokenRequest r;
  r.url = file_.token_uri;
  r.form = {{"grant_type", kJwtBearerGrant}, {"assertion", assertion}};
  r.issuer = "Google token endpoint (service account " + file_.client_email + ")";
  return RequestToken(http_, retry_, clock_, r);
}

AuthorizedUserTokenProvider::AuthorizedUserTokenProvider(GoogleCredentialsFile file,
                                                         HttpClient& http, Clock& clock)
    : RefreshingTokenProvider(clock),
      file_(std::move(file)),
      http_(http),
      retry_(GoogleTokenRetry(), clock) {}

Result<AccessToken> AuthorizedUserTokenProvider::Fetch() {
  TokenRequest r;
  r.url = file_.token_uri;
  r.form = {{"grant_type", "refresh_token"},
            {"client_id", file_.client_id},
            {"client_secret", file_.client_secret},
            {"refresh_token", file_.refresh_token}};
  r.issuer = "Google token endpoint (gcloud user credentials)";
  return RequestToken(http_, retry_, clock_, r);
}

ExternalAccountTokenProvider::ExternalAccountTokenProvider(GoogleCredentialsFile file,
                                                           HttpClient& http, Clock& clock)
    : RefreshingTokenProvider(clock),
      file_(std::move(file)),
      http_(http),
      retry_(GoogleTokenRetry(), clock) {}

Result<std::string> ExternalAccountTokenProvider::SubjectToken() {
  std::string raw;
  if (!file_.source_file.empty()) {
    auto text = ReadTextFile(file_.source_file);
    if (!text.ok()) {
      return FailedPreconditionError("credential_source.file of " + file_.path + ": " +
                                     text.status().message());
    }
    raw = std::move(text).value();
  } else {
    HttpRequest req;
    req.url = file_.source_url;
    for (const auto& h : file_.source_headers) req.headers.push_back(h);
    auto resp = http_.SendWithTimeout(req, 5000);
    if (!resp.ok()) return resp.status().WithContext("credential_source.url");
    if (resp->status_code != 200) {
      return UnavailableError("credential_source.url answered HTTP " +
                              std::to_string(resp->status_code));
    }
    raw = std::move(resp->body);
  }
  if (file_.source_format == "text") return raw;
  auto doc = Json::Parse(raw);
  const Json* field = doc.ok() ? doc->Find(file_.source_json_field) : nullptr;
  if (field == nullptr || !field->is_string()) {
    return FailedPreconditionError("the credential source of " + file_.path + " holds no \"" +
                                   file_.source_json_field + "\"");
  }
  return field->string_value();
}

Result<AccessToken> ExternalAccountTokenProvider::Fetch() {
  SLUICE_ASSIGN_OR_RETURN(std::string subject, SubjectToken());
  TokenRequest r;
  r.url = file_.token_url;
  r.form = {{"grant_type", kTokenExchangeGrant}, {"audience", file_.audience},
            {"scope", kCloudPlatformScope},      {"requested_token_type", kAccessTokenType},
            {"subject_token", subject},          {"subject_token_type", file_.subject_token_type}};
  r.issuer = "Google Security Token Service";
  SLUICE_ASSIGN_OR_RETURN(AccessToken federated, RequestToken(http_, retry_, clock_, r));
  if (file_.service_account_impersonation_url.empty()) return federated;
  return GenerateAccessToken(http_, retry_, file_.service_account_impersonation_url,
                             "the service account of " + file_.path, federated,
                             {kCloudPlatformScope});
}

MetadataServerTokenProvider::MetadataServerTokenProvider(GcpSettings settings, HttpClient& http,
                                                         Clock& clock)
    : RefreshingTokenProvider(clock), settings_(std::move(settings)), http_(http) {}

Result<AccessToken> MetadataServerTokenProvider::Fetch() {
  HttpRequest req;
  req.url = settings_.metadata_base +
            "/computeMetadata/v1/instance/service-accounts/default/token?scopes=" +
            UriEncode(kCloudPlatformScope);
  req.headers = {{"Metadata-Flavor", "Google"}};
  auto resp = http_.SendWithTimeout(req, kTimeoutMs);
  // Not on Google Cloud: this source has no identity, the chain moves on.
  if (!resp.ok()) return NotFoundError("metadata server unreachable");
  constexpr std::string_view kIssuer = "metadata server";
  if (resp->status_code == 404) {
    return NotFoundError("the metadata server has no service account attached");
  }
  if (resp->status_code != 200) return TokenErrorToStatus(*resp, kIssuer);
  return ParseTokenResponse(*resp, kIssuer, clock_.NowMicros());
}

Result<std::string> MetadataServerTokenProvider::Email() {
  HttpRequest req;
  req.url = settings_.metadata_base + "/computeMetadata/v1/instance/service-accounts/default/email";
  req.headers = {{"Metadata-Flavor", "Google"}};
  auto resp = http_.SendWithTimeout(req, kTimeoutMs);
  if (!resp.ok()) return NotFoundError("metadata server unreachable");
  if (resp->status_code != 200) {
    return NotFoundError("metadata server answered HTTP " + std::to_string(resp->status_code));
  }
  return resp->body;
}

}  // namespace sluice::cloud
