#include "jobs/export_destination.h"

#include "cloud/probe.h"
#include "cloud/storage_failure.h"

namespace sluice::jobs {

cloud::DestinationRequest DestinationRequestOf(const ExportConfig& config) {
  return cloud::DestinationRequest{config.export_path, config.credentials};
}

Result<Destination> CloudDestinationProvider::Open(const ExportConfig& config) {
  return factory_.Open(DestinationRequestOf(config));
}

std::vector<cloud::ProbeStep> CloudDestinationProvider::Probe(const ExportConfig& config) {
  return cloud::ProbeDestination(factory_, DestinationRequestOf(config));
}

std::string DescribeWriteFailure(const Destination& destination, const Status& s,
                                 const std::string& key) {
  if (destination.store == nullptr || destination.url.scheme == cloud::StorageUrl::Scheme::kFile) {
    return "writing " + (destination.store ? destination.store->Describe(key) : key) +
           " failed: " + s.message();
  }
  // A missing bucket or container, what to grant to whom, or which credentials to check, in
  // the words of the destination's cloud.
  return cloud::ExplainStorageFailure(s, cloud::StorageAction::kWrite, destination, key);
}

}  // namespace sluice::jobs
