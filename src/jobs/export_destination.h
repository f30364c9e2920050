// Where an export writes: the object store and key prefix named by the automation's
// export_path, reached with the automation's credentials (an assumed AWS role with the
// server-computed ExternalId, an Azure app registration, an impersonated Google service
// account) or a local directory. Built by cloud::DestinationFactory, the one place that turns
// a path and credentials into a store; the connection test of `POST /automation/test` goes
// through the same factory, so what it checks is what runs use.
#pragma once

#include <vector>

#include "cloud/destination.h"
#include "cloud/destination_factory.h"
#include "jobs/automation_config.h"

namespace sluice::jobs {

// The store, the parsed path (file keys are url.Join(name) within the store) and whom to
// grant access.
using Destination = cloud::Destination;

// Thread-safe implementations only.
class DestinationProvider {
 public:
  virtual ~DestinationProvider() = default;
  // The store to write `config`'s files to. Errors: kInvalidArgument for an unusable
  // export_path; kFailedPrecondition when the server lacks what the credentials need;
  // credential failures (kPermissionDenied with the reason) surface on first use.
  virtual Result<Destination> Open(const ExportConfig& config) = 0;
  // The identity steps, then writes, reads back and deletes a probe object under the prefix;
  // every step with its result and, on failure, what to change.
  virtual std::vector<cloud::ProbeStep> Probe(const ExportConfig& config) = 0;
};

// What the factory needs of an export's config.
cloud::DestinationRequest DestinationRequestOf(const ExportConfig& config);

// What to tell the user when writing `key` to `destination` failed with `status`: for a cloud
// destination, a missing bucket or container, what to grant to whom, or which credentials to
// check, in the words of that cloud (cloud::ExplainStorageFailure); for a local directory,
// "writing <where> failed: <message>".
std::string DescribeWriteFailure(const Destination& destination, const Status& status,
                                 const std::string& key);

// Destinations from a cloud::DestinationFactory (borrowed; it must outlive the provider and
// the destinations it opens). Thread-safe.
class CloudDestinationProvider final : public DestinationProvider {
 public:
  explicit CloudDestinationProvider(cloud::DestinationFactory& factory) : factory_(factory) {}

  Result<Destination> Open(const ExportConfig& config) override;
  std::vector<cloud::ProbeStep> Probe(const ExportConfig& config) override;

 private:
  cloud::DestinationFactory& factory_;
};

}  // namespace sluice::jobs
