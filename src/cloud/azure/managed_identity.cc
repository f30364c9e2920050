#include "cloud/azure/managed_identity.h"

#include "cloud/oauth/token_endpoint.h"

namespace sluice::cloud {
namespace {

constexpr char kImdsHost[] = "http://169.254.169.254";

std::string ResourceOf(std::string scope) {
  constexpr std::string_view kSuffix = "/.default";
  if (scope.ends_with(kSuffix)) scope.resize(scope.size() - kSuffix.size());
  return scope;
}

}  // namespace

ManagedIdentityTokenProvider::ManagedIdentityTokenProvider(const Environment& env,
                                                           std::string scope, HttpClient& http,
                                                           Clock& clock)
    : RefreshingTokenProvider(clock),
      env_(env),
      resource_(ResourceOf(std::move(scope))),
      http_(http) {}

Result<AccessToken> ManagedIdentityTokenProvider::Fetch() {
  auto endpoint = env_.Get("IDENTITY_ENDPOINT");
  auto header = env_.Get("IDENTITY_HEADER");
  if (endpoint && header) return FromAppService(*endpoint, *header);
  return FromImds();
}

Result<AccessToken> ManagedIdentityTokenProvider::FromAppService(const std::string& endpoint,
                                                                 const std::string& header) {
  QueryParams q{{"api-version", "2019-08-01"}, {"resource", resource_}};
  if (auto id = env_.Get("AZURE_CLIENT_ID")) q.emplace_back("client_id", *id);
  HttpRequest req;
  req.url = endpoint + (endpoint.find('?') == std::string::npos ? "?" : "&") + EncodeQuery(q);
  req.headers = {{"X-IDENTITY-HEADER", header}, {"Accept", "application/json"}};
  constexpr std::string_view kIssuer = "managed identity endpoint (IDENTITY_ENDPOINT)";
  auto resp = http_.SendWithTimeout(req, 5 * kTimeoutMs);
  if (!resp.ok()) return resp.status().WithContext(kIssuer);
  if (resp->status_code != 200) return TokenErrorToStatus(*resp, kIssuer);
  return ParseTokenResponse(*resp, kIssuer, clock_.NowMicros());
}

Result<AccessToken> ManagedIdentityTokenProvider::FromImds() {
  const std::string host = env_.Get("AZURE_POD_IDENTITY_AUTHORITY_HOST").value_or(kImdsHost);
  QueryParams q{{"api-version", "2018-02-01"}, {"resource", resource_}};
  if (auto id = env_.Get("AZURE_CLIENT_ID")) q.emplace_back("client_id", *id);
  HttpRequest req;
  req.url = host + "/metadata/identity/oauth2/token?" + EncodeQuery(q);
  req.headers = {{"Metadata", "true"}, {"Accept", "application/json"}};
  constexpr std::string_view kIssuer = "instance metadata service (managed identity)";
  auto resp = http_.SendWithTimeout(req, kTimeoutMs);
  // Not on Azure (nothing listens there): this source has no identity, the chain moves on.
  if (!resp.ok()) return NotFoundError("instance metadata service unreachable");
  if (resp->status_code == 200) return ParseTokenResponse(*resp, kIssuer, clock_.NowMicros());
  Status s = TokenErrorToStatus(*resp, kIssuer);
  // 400 "Identity not found": the machine has no (such) managed identity.
  if (resp->status_code == 400 || resp->status_code == 404) return NotFoundError(s.message());
  return s;
}

}  // namespace sluice::cloud
