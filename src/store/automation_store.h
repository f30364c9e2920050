// AutomationStore: the store's role for automations (export and retention configs) and their
// run history.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/automation.h"
#include "store/catalog.h"

namespace sluice::store {

// Thread-safe: every method may be called from any thread concurrently.
class AutomationStore {
 public:
  virtual ~AutomationStore() = default;

  // Automations (names unique per project: kAlreadyExists).
  virtual Result<model::Automation> CreateAutomation(const model::Automation& a) = 0;
  virtual Result<model::Automation> GetAutomation(const std::string& id) = 0;
  virtual Result<std::optional<model::Automation>> FindAutomationByName(
      const std::string& project_id, const std::string& name) = 0;
  virtual Result<std::vector<model::Automation>> ListAutomations(const std::string& org_id,
                                                                 const ListOptions& options) = 0;
  // Replaces name, description and config. kNotFound when absent.
  virtual Status UpdateAutomation(const model::Automation& a) = 0;
  // Removes the automation and its run history. Retention marks stay (their rows stay hidden
  // until purged or restored).
  virtual Status DeleteAutomation(const std::string& id) = 0;

  // Runs.
  // Inserts or updates a run by id.
  virtual Status SaveRun(const model::AutomationRun& run) = 0;
  virtual Result<std::optional<model::AutomationRun>> GetRun(const std::string& run_id) = 0;
  // Newest first; `before_run_id` pages back from that run.
  virtual Result<std::vector<model::AutomationRun>> ListRuns(const std::string& automation_id,
                                                             int64_t limit,
                                                             const std::string& before_run_id) = 0;
};

}  // namespace sluice::store
