// ProbeDestination: checks that sluice can export to a destination with the given identity,
// the way `POST /automation/test` and `sluice s3 probe` report it: assume the role, put a
// small probe object under the prefix, read it back, delete it. Each step says what failed
// and what to change (the trust policy, the role policy, the bucket).
#pragma once

#include <string>
#include <vector>

#include "cloud/aws/aws_config.h"
#include "cloud/aws/credentials.h"
#include "cloud/http/http_client.h"
#include "common/clock.h"

namespace sluice::cloud {

struct ProbeStep {
  std::string name;  // "parse destination", "assume role", "put", "get", "delete"
  bool ok = false;
  std::string message;
};

struct ProbeRequest {
  // "s3://bucket/prefix" or "file:///dir".
  std::string destination;
  // Empty: use the base credentials directly.
  std::string role_arn;
  std::string external_id;
  std::string role_session_name = "sluice-probe";
};

// What the probe runs with; all borrowed for the duration of the call.
struct ProbeContext {
  HttpClient& http;
  // The server's own identity (usually the default chain).
  CredentialsProvider& base_credentials;
  Clock& clock;
  // Region and endpoint overrides.
  AwsSettings settings;
  bool path_style = false;
};

// Runs the steps in order and stops at the first failure (its step has ok=false), except that
// a probe object once written is always deleted (and that step reported). Never
// fails as a whole: every problem is a step. Thread-safe (no shared state).
std::vector<ProbeStep> ProbeDestination(const ProbeRequest& request, ProbeContext& context);

// True when every step succeeded.
bool ProbeSucceeded(const std::vector<ProbeStep>& steps);

}  // namespace sluice::cloud
