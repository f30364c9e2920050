#include "server/probe_command.h"

#include "cloud/aws/credential_providers.h"
#include "cloud/destination_factory.h"
#include "cloud/http/curl_http_client.h"
#include "cloud/probe.h"

namespace sluice::server {
namespace {

using Type = cloud::DestinationCredentials::Type;

// The credentials the flags name for the destination's cloud; an error step when they name
// none that fits.
Result<cloud::DestinationCredentials> CredentialsOf(const ProbeOptions& o) {
  cloud::DestinationCredentials c;
  auto url = cloud::ParseStorageUrl(o.destination);
  if (!url.ok()) return c;  // the probe reports the parse error itself
  switch (url->scheme) {
    case cloud::StorageUrl::Scheme::kFile: break;
    case cloud::StorageUrl::Scheme::kS3:
      c.type = Type::kAwsIam;
      c.role_arn = o.role_arn;
      c.external_id = o.external_id;
      break;
    case cloud::StorageUrl::Scheme::kAzureBlob:
      if (o.azure_sas) {
        c.type = Type::kAzureSas;
      } else if (o.azure_shared_key) {
        c.type = Type::kAzureSharedKey;
      } else if (!o.tenant_id.empty() || !o.client_id.empty()) {
        c.type = Type::kAzureIdentity;
        c.tenant_id = o.tenant_id;
        c.client_id = o.client_id;
      } else {
        return InvalidArgumentError(
            "an az:// destination needs --tenant-id and --client-id (an app registration that "
            "trusts sluice's identity), or --sas / --shared-key (from the environment)");
      }
      break;
    case cloud::StorageUrl::Scheme::kGcs:
      if (o.service_account.empty()) {
        return InvalidArgumentError(
            "a gs:// destination needs --service-account (the service account to impersonate)");
      }
      c.type = Type::kGcpServiceAccount;
      c.service_account_email = o.service_account;
      break;
  }
  return c;
}

}  // namespace

std::vector<cloud::ProbeStep> RunProbe(const ProbeOptions& options) {
  auto credentials = CredentialsOf(options);
  if (!credentials.ok()) return {{"credentials", false, credentials.status().message()}};
  cloud::ProcessEnvironment env;
  cloud::AwsSettingsOverrides overrides;
  overrides.region = options.region;
  overrides.s3_endpoint = options.endpoint_url;
  overrides.sts_endpoint = options.endpoint_url;
  cloud::DestinationFactoryOptions factory_options = cloud::OptionsFromEnvironment(env, overrides);
  factory_options.s3_path_style = options.path_style;
  factory_options.role_session_name = "sluice-probe";
  factory_options.retry = cloud::RetryOptions{3, 200, 1'000, 10'000};
  cloud::CurlHttpClient http;
  auto chain = cloud::MakeDefaultCredentialsChain(env, factory_options.aws, http, RealClock());
  cloud::DestinationFactory factory(std::move(factory_options), http, *chain, env, RealClock());
  return cloud::ProbeDestination(factory, {options.destination, *credentials});
}

}  // namespace sluice::server
