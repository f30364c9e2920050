// Wiring for `sluice s3 probe`: builds the HTTP client and the server's default AWS credential
// chain, then runs cloud::ProbeDestination against a destination.
#pragma once

#include <string>
#include <vector>

#include "cloud/probe.h"

namespace sluice::server {

struct ProbeOptions {
  std::string destination;  // s3://bucket/prefix or file:///dir
  std::string role_arn;     // empty: use the server's own identity
  std::string external_id;
  std::string region;        // empty: from the environment or config file
  std::string endpoint_url;  // S3 and STS endpoint override (S3-compatible stores, moto)
  bool path_style = false;
};

std::vector<cloud::ProbeStep> RunProbe(const ProbeOptions& options);

}  // namespace sluice::server
