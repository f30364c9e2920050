// Where an export writes: the object store and key prefix named by the automation's
// export_path, reached with the automation's role (sts:AssumeRole with the server-computed
// ExternalId) for s3:// paths, or a local directory for file:// paths. The connection test of
// `POST /automation/test` goes through the same provider, so what it checks is what runs use.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cloud/aws/aws_config.h"
#include "cloud/aws/credentials.h"
#include "cloud/http/http_client.h"
#include "cloud/object_store.h"
#include "cloud/probe.h"
#include "cloud/storage_url.h"
#include "common/clock.h"
#include "jobs/automation_config.h"

namespace sluice::jobs {

struct Destination {
  // Shared so a cached client outlives any run still using it.
  std::shared_ptr<cloud::ObjectStore> store;
  // The export_path parsed; file keys are url.Join(name) within `store`.
  cloud::StorageUrl url;
};

// Thread-safe implementations only.
class DestinationProvider {
 public:
  virtual ~DestinationProvider() = default;
  // The store to write `config`'s files to. Errors: kInvalidArgument for an unusable
  // export_path; credential failures (kPermissionDenied with the reason) surface on first use.
  virtual Result<Destination> Open(const ExportConfig& config) = 0;
  // Assumes the role, writes, reads back and deletes a probe object under the prefix; every
  // step with its result and, on failure, what to change.
  virtual std::vector<cloud::ProbeStep> Probe(const ExportConfig& config) = 0;
};

struct CloudDestinationOptions {
  // Region and endpoint overrides (AWS_ENDPOINT_URL_S3 / _STS for S3-compatible stores).
  cloud::AwsSettings settings;
  // Path-style addressing (http://host/bucket/key), for S3-compatible stores.
  bool path_style = false;
  std::string role_session_name = "sluice-export";
};

// S3 through an assumed role (temporary credentials cached per role and ExternalId and
// refreshed before they expire), or a local directory. `http`, `base_credentials` (the
// server's own identity) and `clock` are borrowed.
class CloudDestinationProvider final : public DestinationProvider {
 public:
  CloudDestinationProvider(CloudDestinationOptions options, cloud::HttpClient& http,
                           cloud::CredentialsProvider& base_credentials, Clock& clock);
  ~CloudDestinationProvider() override;

  Result<Destination> Open(const ExportConfig& config) override;
  std::vector<cloud::ProbeStep> Probe(const ExportConfig& config) override;

 private:
  struct Identity;  // one assumed role: STS client and its cached credentials
  cloud::CredentialsProvider& IdentityFor(const ExportConfig& config);

  const CloudDestinationOptions options_;
  cloud::HttpClient& http_;
  cloud::CredentialsProvider& base_;
  Clock& clock_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Identity>> identities_;  // by role_arn + external_id
};

}  // namespace sluice::jobs
