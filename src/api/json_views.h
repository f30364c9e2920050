// JSON views of catalog objects in Braintrust's response shapes (Project, Experiment, Dataset).
#pragma once

#include <string>

#include "common/json_writer.h"
#include "model/object.h"

namespace sluice::api {

void WriteProject(JsonWriter& w, const model::Project& p);
void WriteExperiment(JsonWriter& w, const model::Experiment& e);
void WriteDataset(JsonWriter& w, const model::Dataset& d);

}  // namespace sluice::api
