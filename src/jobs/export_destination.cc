#include "jobs/export_destination.h"

#include "cloud/probe.h"

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

}  // namespace sluice::jobs
