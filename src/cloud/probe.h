// ProbeDestination: checks that sluice can export to a destination with the given identity,
// the way `POST /automation/test` and `sluice storage probe` report it: the server's own
// identity and what the credentials derive from it (an assumed role, an app registration's
// token, an impersonated service account), then a small probe object put under the prefix,
// read back and deleted. Each step says what failed and what to change.
#pragma once

#include <vector>

#include "cloud/destination.h"
#include "cloud/destination_factory.h"

namespace sluice::cloud {

// Runs the steps in order and stops at the first failure (its step has ok=false), except that
// a probe object once written is always deleted (and that step reported). Never fails as a
// whole: every problem is a step. Thread-safe as the factory is.
std::vector<ProbeStep> ProbeDestination(DestinationFactory& factory,
                                        const DestinationRequest& request);

// True when every step succeeded.
bool ProbeSucceeded(const std::vector<ProbeStep>& steps);

}  // namespace sluice::cloud
