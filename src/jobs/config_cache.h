// ConfigCache: the parsed configs of stored automations, kept until the stored config changes.
// The scheduler looks at every automation on every tick and a run reads its config several
// times; with the cache a config (and an export's custom query) is parsed once when it is first
// read after being stored or changed, not on each of those reads.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/json.h"
#include "jobs/automation_config.h"
#include "model/automation.h"

namespace sluice::jobs {

// Thread-safe.
class ConfigCache {
 public:
  // StoredExportConfig(automation), parsed again only when its config differs from the one
  // parsed last for that automation id.
  Result<std::shared_ptr<const ExportConfig>> Export(const model::Automation& automation);
  // StoredRetentionConfig(automation), likewise.
  Result<std::shared_ptr<const RetentionConfig>> Retention(const model::Automation& automation);

 private:
  // Past this many automations the cache starts over (deleted automations leave entries).
  static constexpr size_t kMaxEntries = 10'000;

  template <typename Config>
  struct Entry {
    Json config;  // the stored config it was parsed from
    std::shared_ptr<const Config> parsed;
  };
  template <typename Config>
  using Map = std::unordered_map<std::string, Entry<Config>>;

  template <typename Config, typename Parse>
  Result<std::shared_ptr<const Config>> Get(Map<Config>& map, const model::Automation& automation,
                                            Parse parse);

  std::mutex mu_;
  Map<ExportConfig> exports_;       // guarded by mu_
  Map<RetentionConfig> retention_;  // guarded by mu_
};

}  // namespace sluice::jobs
