#include "api/experiment_names.h"

namespace sluice::api {

Result<model::Experiment> CreateExperimentWithFreeName(store::Catalog& store, model::Experiment e) {
  const std::string base = e.name;
  for (int suffix = 1;; ++suffix) {
    SLUICE_ASSIGN_OR_RETURN(auto existing, store.FindExperimentByName(e.project_id, e.name));
    if (!existing) {
      auto created = store.CreateExperiment(e);
      // kAlreadyExists: created meanwhile, or held by a deleted experiment still restorable.
      if (created.status().code() != StatusCode::kAlreadyExists) return created;
    }
    e.name = base + "-" + std::to_string(suffix);
  }
}

}  // namespace sluice::api
