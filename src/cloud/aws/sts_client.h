// StsClient: the AWS Security Token Service query API over POST (AssumeRole,
// AssumeRoleWithWebIdentity, GetCallerIdentity), with XML responses and errors mapped through
// AwsErrorToStatus. AssumeRoleCredentialsProvider caches the temporary credentials and
// refreshes them ahead of expiry.
#pragma once

#include <string>

#include "cloud/aws/credentials.h"
#include "cloud/aws/sigv4_signer.h"
#include "cloud/expiring_cache.h"
#include "cloud/http/http_client.h"
#include "cloud/retry.h"

namespace sluice::cloud {

struct StsOptions {
  std::string region = "us-east-1";
  // "http(s)://host[:port]" (AWS_ENDPOINT_URL_STS); empty means https://sts.<region>.amazonaws.com.
  std::string endpoint;
  RetryOptions retry;
};

struct AssumeRoleRequest {
  std::string role_arn;
  std::string role_session_name = "sluice";
  // Empty to omit. sluice sets it to "<prefix>:<org>:<project>:<automation>".
  std::string external_id;
  int duration_seconds = 3600;
};

// Parses an AssumeRole/AssumeRoleWithWebIdentity response body. Errors: kInvalidArgument when
// the document lacks the Credentials element.
Result<AwsCredentials> ParseStsCredentials(std::string_view xml);

// Thread-safe. `http` and `clock` are borrowed.
class StsClient {
 public:
  StsClient(StsOptions options, HttpClient& http, Clock& clock);

  // Errors: kPermissionDenied (AccessDenied: the trust policy or the caller's policy refused),
  // kUnauthenticated (bad caller credentials), kUnavailable (transient, after retries).
  Result<AwsCredentials> AssumeRole(const AssumeRoleRequest& request, const AwsCredentials& caller);
  // Unsigned; authenticated by the OIDC token.
  Result<AwsCredentials> AssumeRoleWithWebIdentity(const std::string& role_arn,
                                                   const std::string& session_name,
                                                   const std::string& web_identity_token);
  // The ARN the credentials belong to.
  Result<std::string> GetCallerIdentityArn(const AwsCredentials& caller);

 private:
  // Sends the form parameters (signed with `caller` unless null) and returns the parsed body.
  Result<std::string> Call(const QueryParams& params, const AwsCredentials* caller);

  const StsOptions options_;
  HttpClient& http_;
  Clock& clock_;
  SigV4Signer signer_;
  RetryPolicy retry_;
};

// Thread-safe: concurrent callers share one cached credential set; one refresh at a time.
class AssumeRoleCredentialsProvider final : public CredentialsProvider {
 public:
  // `sts`, `source` (the caller's own identity) and `clock` are borrowed.
  AssumeRoleCredentialsProvider(StsClient& sts, CredentialsProvider& source,
                                AssumeRoleRequest request, Clock& clock);

  Result<AwsCredentials> GetCredentials() override;
  void Invalidate() override;
  std::string Name() const override { return "assume-role " + request_.role_arn; }

 private:
  StsClient& sts_;
  CredentialsProvider& source_;
  const AssumeRoleRequest request_;
  ExpiringCache<AwsCredentials> cache_;  // refreshed shortly before the role's credentials expire
};

}  // namespace sluice::cloud
