// DestinationFactory: the one place that turns an export_path and its credentials into an
// ObjectStore, for the export runner, the automation test (`POST /automation/test`) and
// `sluice storage probe`. It holds the server's own identities (the AWS credential chain, the
// Azure DefaultAzureCredential-style chain, Google's Application Default Credentials) and
// caches what each automation's credentials derive from them (an assumed role, an app
// registration's token, an impersonated service account), refreshed before they expire.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cloud/aws/aws_config.h"
#include "cloud/aws/credentials.h"
#include "cloud/azure/azure_settings.h"
#include "cloud/destination.h"
#include "cloud/environment.h"
#include "cloud/gcp/gcp_settings.h"
#include "cloud/http/http_client.h"
#include "cloud/oauth/access_token.h"
#include "cloud/retry.h"

namespace sluice::cloud {

struct DestinationFactoryOptions {
  // Region and endpoint overrides (AWS_ENDPOINT_URL_S3 / _STS for S3-compatible stores).
  AwsSettings aws;
  // Path-style addressing (http://host/bucket/key), for S3-compatible stores.
  bool s3_path_style = false;
  // Entra ID authority, blob endpoint override, and the SAS or account key of azure_sas and
  // azure_shared_key.
  AzureSettings azure;
  // Application Default Credentials and endpoint overrides.
  GcpSettings gcp;
  std::string role_session_name = "sluice-export";
  // Retries of every object store call.
  RetryOptions retry;
};

// The options as the server's environment sets them (AWS_*, AZURE_*, GOOGLE_*, ...).
DestinationFactoryOptions OptionsFromEnvironment(const Environment& env,
                                                 const AwsSettingsOverrides& aws_overrides = {});

// Thread-safe. `http`, `aws_identity` (the server's own AWS identity, usually the default
// chain), `env` and `clock` are borrowed and must outlive the factory; the factory must
// outlive the destinations it opens.
class DestinationFactory {
 public:
  DestinationFactory(DestinationFactoryOptions options, HttpClient& http,
                     CredentialsProvider& aws_identity, const Environment& env, Clock& clock);
  ~DestinationFactory();
  DestinationFactory(const DestinationFactory&) = delete;
  DestinationFactory& operator=(const DestinationFactory&) = delete;

  // The store and prefix `request` names. Errors: kInvalidArgument for an unusable path or
  // credentials that do not fit it; kFailedPrecondition when the server lacks what the
  // credentials need (no SAS or account key in its environment). Identity failures surface on
  // the store's first call.
  Result<Destination> Open(const DestinationRequest& request);

  // The identity steps of a probe, each fetched now and reported: the server's own identity,
  // then what the credentials derive from it (assume role, the app registration's token, the
  // impersonated service account). A failed step says what to change. REQUIRES: `url` is
  // request.export_path parsed.
  std::vector<ProbeStep> CheckIdentity(const DestinationRequest& request, const StorageUrl& url);

  const DestinationFactoryOptions& options() const { return options_; }

 private:
  CredentialsProvider& AwsRole(const DestinationCredentials& c);
  TokenProvider& AzureOwnIdentity();
  TokenProvider& AzureApp(const DestinationCredentials& c);
  TokenProvider& GoogleOwnIdentity();
  TokenProvider& GoogleImpersonated(const std::string& email);
  Result<Destination> OpenAzure(const DestinationCredentials& c, StorageUrl url);
  std::vector<ProbeStep> CheckAws(const DestinationCredentials& c);
  std::vector<ProbeStep> CheckAzure(const DestinationCredentials& c, const StorageUrl& url);
  std::vector<ProbeStep> CheckGoogle(const DestinationCredentials& c);

  const DestinationFactoryOptions options_;
  HttpClient& http_;
  CredentialsProvider& aws_identity_;
  const Environment& env_;
  Clock& clock_;

  struct AwsRoleIdentity;
  std::mutex mu_;
  // Each created once and kept for the factory's life (destinations borrow them).
  std::map<std::string, std::unique_ptr<AwsRoleIdentity>> aws_roles_;  // guarded by mu_
  std::unique_ptr<TokenProvider> azure_own_;                           // guarded by mu_
  std::map<std::string, std::unique_ptr<TokenProvider>> azure_apps_;   // guarded by mu_
  std::unique_ptr<TokenProvider> google_own_;                          // guarded by mu_
  std::map<std::string, std::unique_ptr<TokenProvider>> google_sas_;   // guarded by mu_
};

}  // namespace sluice::cloud
