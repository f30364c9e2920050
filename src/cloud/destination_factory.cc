#include "cloud/destination_factory.h"

#include "cloud/aws/sts_client.h"
#include "cloud/azure/blob_client.h"
#include "cloud/azure/entra_credentials.h"
#include "cloud/gcp/adc.h"
#include "cloud/gcp/gcs_client.h"
#include "cloud/gcp/impersonation.h"
#include "cloud/local/local_object_store.h"
#include "cloud/oauth/jwt_claims.h"
#include "cloud/s3/s3_client.h"

namespace sluice::cloud {
namespace {

using Type = DestinationCredentials::Type;

// Short retries for the probe's own STS calls: a person is waiting for the answer.
RetryOptions ProbeRetry() { return RetryOptions{3, 200, 1'000, 10'000}; }

// An Azure client with the authoriser it borrows; handed out through an aliasing shared_ptr.
struct AzureStore {
  std::unique_ptr<BlobAuthorizer> auth;
  std::unique_ptr<AzureBlobClient> client;
};

ProbeStep Step(std::string name, const Status& s, std::string ok_message) {
  return ProbeStep{std::move(name), s.ok(), s.ok() ? std::move(ok_message) : s.message()};
}

}  // namespace

struct DestinationFactory::AwsRoleIdentity {
  std::unique_ptr<StsClient> sts;
  std::unique_ptr<AssumeRoleCredentialsProvider> credentials;
};

DestinationFactoryOptions OptionsFromEnvironment(const Environment& env,
                                                 const AwsSettingsOverrides& aws_overrides) {
  DestinationFactoryOptions o;
  o.aws = ResolveAwsSettings(env, aws_overrides);
  o.azure = ResolveAzureSettings(env);
  o.gcp = ResolveGcpSettings(env);
  return o;
}

DestinationFactory::DestinationFactory(DestinationFactoryOptions options, HttpClient& http,
                                       CredentialsProvider& aws_identity, const Environment& env,
                                       Clock& clock)
    : options_(std::move(options)),
      http_(http),
      aws_identity_(aws_identity),
      env_(env),
      clock_(clock) {}

DestinationFactory::~DestinationFactory() = default;

CredentialsProvider& DestinationFactory::AwsRole(const DestinationCredentials& c) {
  if (c.role_arn.empty()) return aws_identity_;
  std::lock_guard<std::mutex> lock(mu_);
  std::unique_ptr<AwsRoleIdentity>& slot = aws_roles_[c.role_arn + '\n' + c.external_id];
  if (slot == nullptr) {
    slot = std::make_unique<AwsRoleIdentity>();
    StsOptions sts;
    sts.region = options_.aws.region;
    sts.endpoint = options_.aws.sts_endpoint;
    slot->sts = std::make_unique<StsClient>(sts, http_, clock_);
    AssumeRoleRequest request;
    request.role_arn = c.role_arn;
    request.role_session_name = options_.role_session_name;
    request.external_id = c.external_id;
    slot->credentials = std::make_unique<AssumeRoleCredentialsProvider>(*slot->sts, aws_identity_,
                                                                        std::move(request), clock_);
  }
  return *slot->credentials;
}

TokenProvider& DestinationFactory::AzureOwnIdentity() {
  std::lock_guard<std::mutex> lock(mu_);
  if (azure_own_ == nullptr) {
    azure_own_ = MakeDefaultAzureIdentity(env_, options_.azure, kTokenExchangeScope, http_, clock_);
  }
  return *azure_own_;
}

TokenProvider& DestinationFactory::AzureApp(const DestinationCredentials& c) {
  TokenProvider& own = AzureOwnIdentity();
  std::lock_guard<std::mutex> lock(mu_);
  std::unique_ptr<TokenProvider>& slot = azure_apps_[c.tenant_id + '\n' + c.client_id];
  if (slot == nullptr) {
    EntraOptions entra;
    entra.authority_host = options_.azure.authority_host;
    slot = std::make_unique<FederatedAppTokenProvider>(c.tenant_id, c.client_id, kAzureStorageScope,
                                                       own, entra, http_, clock_);
  }
  return *slot;
}

TokenProvider& DestinationFactory::GoogleOwnIdentity() {
  std::lock_guard<std::mutex> lock(mu_);
  if (google_own_ == nullptr) {
    google_own_ = MakeApplicationDefaultCredentials(options_.gcp, http_, clock_);
  }
  return *google_own_;
}

TokenProvider& DestinationFactory::GoogleImpersonated(const std::string& email) {
  TokenProvider& own = GoogleOwnIdentity();
  std::lock_guard<std::mutex> lock(mu_);
  std::unique_ptr<TokenProvider>& slot = google_sas_[email];
  if (slot == nullptr) {
    slot = std::make_unique<ImpersonatedTokenProvider>(
        own, GenerateAccessTokenUrl(options_.gcp.iam_credentials_endpoint, email), email,
        std::vector<std::string>{kDevstorageReadWriteScope}, http_, clock_);
  }
  return *slot;
}

Result<Destination> DestinationFactory::OpenAzure(const DestinationCredentials& c, StorageUrl url) {
  auto holder = std::make_shared<AzureStore>();
  const AzureSettings& az = options_.azure;
  switch (c.type) {
    case Type::kAzureIdentity:
      SLUICE_RETURN_IF_ERROR(ValidateTenantId(c.tenant_id));
      SLUICE_RETURN_IF_ERROR(ValidateClientId(c.client_id));
      holder->auth = std::make_unique<BearerAuthorizer>(AzureApp(c));
      break;
    case Type::kAzureSas:
      if (az.sas_token.empty()) {
        return FailedPreconditionError(
            "credentials azure_sas: the server has no shared access signature (set "
            "AZURE_STORAGE_SAS_TOKEN, or SharedAccessSignature in "
            "AZURE_STORAGE_CONNECTION_STRING)");
      }
      holder->auth = std::make_unique<SasAuthorizer>(az.sas_token);
      break;
    case Type::kAzureSharedKey: {
      if (az.account_key.empty()) {
        return FailedPreconditionError(
            "credentials azure_shared_key: the server has no account key (set "
            "AZURE_STORAGE_KEY, or AccountKey in AZURE_STORAGE_CONNECTION_STRING)");
      }
      if (!az.connection_account.empty() && az.connection_account != url.account) {
        return FailedPreconditionError(
            "credentials azure_shared_key: the server's key is for "
            "storage account " +
            az.connection_account + ", not " + url.account);
      }
      SLUICE_ASSIGN_OR_RETURN(holder->auth, SharedKeyAuthorizer::Create(az.account_key));
      break;
    }
    default: return CheckCredentialsFit(url.scheme, c);
  }
  AzureBlobOptions o;
  o.endpoint = BlobEndpoint(az, url.account);
  o.retry = options_.retry;
  holder->client =
      std::make_unique<AzureBlobClient>(url.account, url.bucket, o, http_, *holder->auth, clock_);
  Destination d;
  d.store = std::shared_ptr<ObjectStore>(holder, holder->client.get());
  d.principal = c.type == Type::kAzureIdentity ? c.client_id : std::string();
  d.credentials = c.type;
  d.url = std::move(url);
  return d;
}

Result<Destination> DestinationFactory::Open(const DestinationRequest& request) {
  SLUICE_ASSIGN_OR_RETURN(StorageUrl url, ParseStorageUrl(request.export_path));
  const DestinationCredentials& c = request.credentials;
  SLUICE_RETURN_IF_ERROR(CheckCredentialsFit(url.scheme, c));
  Destination d;
  switch (url.scheme) {
    case StorageUrl::Scheme::kFile:
      d.store = std::make_shared<LocalObjectStore>(url.path);
      url.path.clear();  // keys are relative to the directory
      break;
    case StorageUrl::Scheme::kS3: {
      S3ClientOptions s3;
      s3.region = options_.aws.region;
      s3.endpoint = options_.aws.s3_endpoint;
      s3.path_style = options_.s3_path_style;
      s3.retry = options_.retry;
      d.store = std::make_shared<S3Client>(url.bucket, s3, http_, AwsRole(c), clock_);
      break;
    }
    case StorageUrl::Scheme::kAzureBlob: return OpenAzure(c, std::move(url));
    case StorageUrl::Scheme::kGcs: {
      SLUICE_RETURN_IF_ERROR(ValidateServiceAccountEmail(c.service_account_email));
      GcsClientOptions gcs;
      gcs.endpoint = options_.gcp.storage_endpoint;
      gcs.retry = options_.retry;
      d.store = std::make_shared<GcsClient>(url.bucket, gcs, http_,
                                            GoogleImpersonated(c.service_account_email), clock_);
      d.principal = c.service_account_email;
      break;
    }
  }
  d.credentials = c.type;
  d.url = std::move(url);
  return d;
}

std::vector<ProbeStep> DestinationFactory::CheckAws(const DestinationCredentials& c) {
  std::vector<ProbeStep> steps;
  auto base = aws_identity_.GetCredentials();
  steps.push_back({"credentials", base.ok(),
                   base.ok()
                       ? "using " + aws_identity_.Name()
                       : "no usable AWS identity for sluice itself: " + base.status().message()});
  if (!base.ok() || c.role_arn.empty()) return steps;
  StsClient sts(StsOptions{options_.aws.region, options_.aws.sts_endpoint, ProbeRetry()}, http_,
                clock_);
  auto assumed = sts.AssumeRole({c.role_arn, "sluice-probe", c.external_id, 900}, *base);
  if (assumed.ok()) {
    steps.push_back({"assume role", true, "assumed " + c.role_arn});
    return steps;
  }
  const Status& s = assumed.status();
  std::string msg = "AssumeRole of " + c.role_arn + " failed: " + s.message();
  if (s.code() == StatusCode::kPermissionDenied) {
    auto caller = sts.GetCallerIdentityArn(*base);
    msg = "AssumeRole denied: the role's trust policy must allow sts:AssumeRole for " +
          (caller.ok() ? *caller : std::string("sluice's identity")) +
          (c.external_id.empty() ? std::string()
                                 : " with the condition sts:ExternalId = " + c.external_id) +
          " [" + s.message() + "]";
  }
  steps.push_back({"assume role", false, std::move(msg)});
  return steps;
}

std::vector<ProbeStep> DestinationFactory::CheckAzure(const DestinationCredentials& c,
                                                      const StorageUrl& url) {
  if (c.type != Type::kAzureIdentity) {
    auto opened = OpenAzure(c, url);
    const std::string what =
        c.type == Type::kAzureSas ? "the shared access signature" : "the storage account key";
    return {Step("credentials", opened.status(), "using " + what + " from sluice's environment")};
  }
  std::vector<ProbeStep> steps;
  TokenProvider& own = AzureOwnIdentity();
  auto token = own.GetToken();
  std::string who = own.Name();
  if (token.ok()) {
    if (auto subject = DescribeFederatedSubject(token->token); subject.ok()) {
      who += " (issuer " + subject->issuer + ", subject " + subject->subject + ")";
    }
  }
  steps.push_back(
      {"azure identity", token.ok(),
       token.ok() ? "using " + who
                  : "no usable Azure identity for sluice itself: " + token.status().message()});
  if (!token.ok()) return steps;
  Status valid = ValidateTenantId(c.tenant_id);
  if (valid.ok()) valid = ValidateClientId(c.client_id);
  const Status app = valid.ok() ? AzureApp(c).GetToken().status() : valid;
  steps.push_back(
      Step("app registration", app,
           "got a token of app registration " + c.client_id + " in tenant " + c.tenant_id));
  return steps;
}

std::vector<ProbeStep> DestinationFactory::CheckGoogle(const DestinationCredentials& c) {
  std::vector<ProbeStep> steps;
  TokenProvider& own = GoogleOwnIdentity();
  auto token = own.GetToken();
  std::string who = own.Name();
  if (token.ok()) {
    auto principal = DescribeGooglePrincipal(options_.gcp, http_, clock_);
    if (principal.ok()) who += " (" + *principal + ")";
  }
  steps.push_back(
      {"google identity", token.ok(),
       token.ok() ? "using " + who
                  : "no usable Google identity for sluice itself: " + token.status().message()});
  if (!token.ok()) return steps;
  Status valid = ValidateServiceAccountEmail(c.service_account_email);
  const Status imp =
      valid.ok() ? GoogleImpersonated(c.service_account_email).GetToken().status() : valid;
  steps.push_back(
      Step("impersonate", imp, "got a token of service account " + c.service_account_email));
  return steps;
}

std::vector<ProbeStep> DestinationFactory::CheckIdentity(const DestinationRequest& request,
                                                         const StorageUrl& url) {
  const Status fit = CheckCredentialsFit(url.scheme, request.credentials);
  if (!fit.ok()) return {ProbeStep{"credentials", false, fit.message()}};
  switch (url.scheme) {
    case StorageUrl::Scheme::kFile: return {};
    case StorageUrl::Scheme::kS3: return CheckAws(request.credentials);
    case StorageUrl::Scheme::kAzureBlob: return CheckAzure(request.credentials, url);
    case StorageUrl::Scheme::kGcs: return CheckGoogle(request.credentials);
  }
  return {};
}

}  // namespace sluice::cloud
