#include "jobs/config_cache.h"

namespace sluice::jobs {

template <typename Config, typename Parse>
Result<std::shared_ptr<const Config>> ConfigCache::Get(Map<Config>& map,
                                                       const model::Automation& automation,
                                                       Parse parse) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map.find(automation.id);
    if (it != map.end() && it->second.config == automation.config) return it->second.parsed;
  }
  // Parsed outside the lock: a custom query takes a while, and two threads parsing the same
  // config at once only do the work twice.
  SLUICE_ASSIGN_OR_RETURN(Config parsed, parse(automation));
  auto shared = std::make_shared<const Config>(std::move(parsed));
  std::lock_guard<std::mutex> lock(mu_);
  if (map.size() >= kMaxEntries) map.clear();
  map[automation.id] = Entry<Config>{automation.config, shared};
  return shared;
}

Result<std::shared_ptr<const ExportConfig>> ConfigCache::Export(const model::Automation& a) {
  return Get(exports_, a, [](const model::Automation& x) { return StoredExportConfig(x); });
}

Result<std::shared_ptr<const RetentionConfig>> ConfigCache::Retention(const model::Automation& a) {
  return Get(retention_, a, [](const model::Automation& x) { return StoredRetentionConfig(x); });
}

}  // namespace sluice::jobs
