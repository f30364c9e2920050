#include "jobs/export_destination.h"

#include "cloud/aws/sts_client.h"
#include "cloud/local/local_object_store.h"
#include "cloud/s3/s3_client.h"

namespace sluice::jobs {

struct CloudDestinationProvider::Identity {
  std::unique_ptr<cloud::StsClient> sts;
  std::unique_ptr<cloud::AssumeRoleCredentialsProvider> credentials;
};

CloudDestinationProvider::CloudDestinationProvider(CloudDestinationOptions options,
                                                   cloud::HttpClient& http,
                                                   cloud::CredentialsProvider& base_credentials,
                                                   Clock& clock)
    : options_(std::move(options)), http_(http), base_(base_credentials), clock_(clock) {}

CloudDestinationProvider::~CloudDestinationProvider() = default;

cloud::CredentialsProvider& CloudDestinationProvider::IdentityFor(const ExportConfig& config) {
  if (config.role_arn.empty()) return base_;
  const std::string key = config.role_arn + '\n' + config.external_id;
  std::lock_guard<std::mutex> lock(mu_);
  std::unique_ptr<Identity>& slot = identities_[key];
  if (slot == nullptr) {
    slot = std::make_unique<Identity>();
    cloud::StsOptions sts_options;
    sts_options.region = options_.settings.region;
    sts_options.endpoint = options_.settings.sts_endpoint;
    slot->sts = std::make_unique<cloud::StsClient>(sts_options, http_, clock_);
    cloud::AssumeRoleRequest request;
    request.role_arn = config.role_arn;
    request.role_session_name = options_.role_session_name;
    request.external_id = config.external_id;
    slot->credentials = std::make_unique<cloud::AssumeRoleCredentialsProvider>(
        *slot->sts, base_, std::move(request), clock_);
  }
  return *slot->credentials;
}

Result<Destination> CloudDestinationProvider::Open(const ExportConfig& config) {
  SLUICE_ASSIGN_OR_RETURN(cloud::StorageUrl url, cloud::ParseStorageUrl(config.export_path));
  Destination d;
  if (url.scheme == cloud::StorageUrl::Scheme::kFile) {
    d.store = std::make_shared<cloud::LocalObjectStore>(url.path);
    url.path.clear();  // keys are relative to the directory
    d.url = std::move(url);
    return d;
  }
  cloud::S3ClientOptions s3;
  s3.region = options_.settings.region;
  s3.endpoint = options_.settings.s3_endpoint;
  s3.path_style = options_.path_style;
  d.store = std::make_shared<cloud::S3Client>(url.bucket, s3, http_, IdentityFor(config), clock_);
  d.url = std::move(url);
  return d;
}

std::vector<cloud::ProbeStep> CloudDestinationProvider::Probe(const ExportConfig& config) {
  cloud::ProbeContext context{http_, base_, clock_, options_.settings, options_.path_style};
  cloud::ProbeRequest request;
  request.destination = config.export_path;
  request.role_arn = config.role_arn;
  request.external_id = config.external_id;
  request.role_session_name = options_.role_session_name;
  return cloud::ProbeDestination(request, context);
}

}  // namespace sluice::jobs
