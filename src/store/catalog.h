// Catalog: the store's role for orgs, projects, experiments, datasets and API keys (DESIGN.md
// §3), and the list options of the API's list endpoints.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "model/auth.h"
#include "model/object.h"

namespace sluice::store {

// Keyset pagination for list endpoints, newest first (Braintrust's list shape).
struct ListOptions {
  int64_t limit = 100;
  std::string starting_after;  // id: return items after (older than) this one
  std::string ending_before;   // id: return items before (newer than) this one
  std::string name;            // exact name filter, empty = all
  std::vector<std::string> ids;
  std::string project_id;  // experiments/datasets: filter by project, empty = all of the org
};

// Options for a single-item lookup.
inline ListOptions LimitOne() {
  ListOptions o;
  o.limit = 1;
  return o;
}

// Thread-safe: every method may be called from any thread concurrently.
class Catalog {
 public:
  virtual ~Catalog() = default;

  // Orgs and projects.
  virtual Result<model::Org> CreateOrg(const std::string& name) = 0;
  virtual Result<int64_t> CountOrgs() = 0;
  virtual Result<std::vector<model::Org>> ListOrgs() = 0;
  // kAlreadyExists when the org has a project of that name.
  virtual Result<model::Project> CreateProject(const model::Project& project) = 0;
  // kNotFound when absent.
  virtual Result<model::Project> GetProject(const std::string& id) = 0;
  virtual Result<std::optional<model::Project>> FindProjectByName(const std::string& org_id,
                                                                  const std::string& name) = 0;
  virtual Result<std::vector<model::Project>> ListProjects(const std::string& org_id,
                                                           const ListOptions& options) = 0;

  // Experiments and datasets (names unique per project: kAlreadyExists).
  virtual Result<model::Experiment> CreateExperiment(const model::Experiment& e) = 0;
  virtual Result<model::Experiment> GetExperiment(const std::string& id) = 0;
  virtual Result<std::optional<model::Experiment>> FindExperimentByName(
      const std::string& project_id, const std::string& name) = 0;
  virtual Result<std::vector<model::Experiment>> ListExperiments(const std::string& org_id,
                                                                 const ListOptions& options) = 0;
  virtual Result<model::Dataset> CreateDataset(const model::Dataset& d) = 0;
  virtual Result<model::Dataset> GetDataset(const std::string& id) = 0;
  virtual Result<std::optional<model::Dataset>> FindDatasetByName(const std::string& project_id,
                                                                  const std::string& name) = 0;
  virtual Result<std::vector<model::Dataset>> ListDatasets(const std::string& org_id,
                                                           const ListOptions& options) = 0;

  // API keys and service tokens (stored hashed).
  virtual Status CreateApiKey(const model::ApiKey& key) = 0;
  // The key whose lookup part matches, revoked or not; nullopt when none.
  virtual Result<std::optional<model::ApiKey>> FindApiKeyByLookup(const std::string& lookup) = 0;
  virtual Result<std::vector<model::ApiKey>> ListApiKeys(const std::string& org_id) = 0;
  // kNotFound when the org has no such key.
  virtual Status RevokeApiKey(const std::string& org_id, const std::string& key_id,
                              TimestampMicros now) = 0;
};

}  // namespace sluice::store
