// How experiments get their names when the one asked for is taken: the first free
// "<name>-N" (N = 1, 2, …), the same for `POST /v1/experiment` with ensure_new and for the SDKs'
// registration. A name is taken while a retention run's deleted experiment still holds it.
#pragma once

#include "model/object.h"
#include "store/catalog.h"

namespace sluice::api {

// Creates `e`, renamed to the first free "<e.name>-N" when e.name is taken. Thread-safe; a
// name taken by a concurrent request moves on to the next N.
Result<model::Experiment> CreateExperimentWithFreeName(store::Catalog& store, model::Experiment e);

}  // namespace sluice::api
