// Wiring for `sluice storage probe` (also `sluice s3 probe`): builds the HTTP client, the
// server's default AWS credential chain and the destination factory from the environment, as
// `sluice serve` does, then runs cloud::ProbeDestination against a destination.
#pragma once

#include <string>
#include <vector>

#include "cloud/destination.h"

namespace sluice::server {

struct ProbeOptions {
  std::string
      destination;  // s3://, az://, https://<account>.blob.core.windows.net/, gs://, file://
  // s3://: the role to assume (empty: the server's own identity) and its ExternalId.
  std::string role_arn;
  std::string external_id;
  std::string region;        // empty: from the environment or config file
  std::string endpoint_url;  // S3 and STS endpoint override (S3-compatible stores, moto)
  bool path_style = false;
  // az://: an app registration (tenant and client id), or the SAS or account key in the
  // environment.
  std::string tenant_id;
  std::string client_id;
  bool azure_sas = false;
  bool azure_shared_key = false;
  // gs://: the service account to impersonate.
  std::string service_account;
};

std::vector<cloud::ProbeStep> RunProbe(const ProbeOptions& options);

}  // namespace sluice::server
