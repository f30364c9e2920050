#include "server/probe_command.h"

#include "cloud/aws/aws_config.h"
#include "cloud/aws/credential_providers.h"
#include "cloud/http/curl_http_client.h"

namespace sluice::server {

std::vector<cloud::ProbeStep> RunProbe(const ProbeOptions& options) {
  cloud::ProcessEnvironment env;
  cloud::AwsSettingsOverrides overrides;
  overrides.region = options.region;
  overrides.s3_endpoint = options.endpoint_url;
  overrides.sts_endpoint = options.endpoint_url;
  cloud::AwsSettings settings = cloud::ResolveAwsSettings(env, overrides);
  cloud::CurlHttpClient http;
  auto chain = cloud::MakeDefaultCredentialsChain(env, settings, http, RealClock());
  cloud::ProbeContext ctx{http, *chain, RealClock(), settings, options.path_style};
  cloud::ProbeRequest request;
  request.destination = options.destination;
  request.role_arn = options.role_arn;
  request.external_id = options.external_id;
  return cloud::ProbeDestination(request, ctx);
}

}  // namespace sluice::server
