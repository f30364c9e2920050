// Automation configs (Braintrust's `btql_export` and `retention` event types) parsed from the
// API's JSON into typed structs, with validation that names the field and the reason.
// The canonical config JSON returned by the API is rebuilt from the typed struct, so what is
// stored is always valid.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "cloud/destination.h"
#include "common/json.h"
#include "common/status.h"
#include "model/automation.h"
#include "model/object.h"
#include "query/ast.h"

namespace sluice::jobs {

inline constexpr int64_t kMinExportIntervalSeconds = 300;
inline constexpr int64_t kMaxExportIntervalSeconds = 86'400;
inline constexpr int64_t kDefaultBatchSize = 100'000;
inline constexpr int64_t kMaxBatchSize = 10'000'000;
inline constexpr int64_t kDefaultMaxIterations = 10;
inline constexpr int64_t kDefaultRetentionIntervalSeconds = 3600;
inline constexpr int64_t kDefaultGraceSeconds = 86'400;

enum class ExportDefinition { kLogTraces, kLogSpans, kBtqlQuery };
enum class ExportFormat { kJsonl, kParquet };

struct ExportConfig {
  ExportDefinition definition = ExportDefinition::kLogSpans;
  std::string btql_query;  // kBtqlQuery only
  // btql_query parsed (kBtqlQuery only): runs use it as it is, never parsing the text again.
  std::shared_ptr<const query::Query> query;
  std::string export_path;
  ExportFormat format = ExportFormat::kJsonl;
  int64_t interval_seconds = 3600;
  // How the destination is reached (none for file://); its external_id is filled by the
  // server, never taken from a request.
  cloud::DestinationCredentials credentials;
  int64_t batch_size = kDefaultBatchSize;
  bool active = true;        // status: active | paused
  bool hive_layout = false;  // layout: "hive" writes date=YYYY-MM-DD/
  int64_t max_iterations = kDefaultMaxIterations;
  int64_t trace_idle_seconds = 30;
};

struct RetentionConfig {
  model::ObjectType object_type = model::ObjectType::kProjectLogs;
  int64_t retention_days = 30;
  std::string exempt_filter;            // BTQL filter; matching rows/experiments are kept
  std::optional<bool> wait_for_export;  // unset = true when an active export exists
  // An export automation (log_spans) that must have written rows before they are deleted, and
  // whose files each run records as the archive of what it deleted (jobs/retention_archive.h).
  std::string archive_first;
  int64_t interval_seconds = kDefaultRetentionIntervalSeconds;
  int64_t grace_seconds = kDefaultGraceSeconds;
  bool active = true;  // status: active | paused (the scheduler skips paused ones)
};

// What validation needs to know about the automation being saved.
struct ConfigContext {
  std::string org_id;
  std::string project_id;
  std::string automation_id;
  std::string external_id_prefix = "sluice";
  // Checks that a custom query's object belongs to the project (experiments and datasets are
  // looked up in the store); empty = only project_logs of this project is allowed.
  std::function<Status(const model::ObjectRef&)> check_object;
  // Checks a retention policy's `archive_first` export (jobs::ArchiveExport); unset = not checked.
  std::function<Status(const std::string& automation_id)> check_archive;
};

// Parses and validates a `config` object. `event_type` selects the kind.
Result<model::AutomationType> ConfigType(const Json& config);
Result<ExportConfig> ParseExportConfig(const Json& config, const ConfigContext& ctx);
Result<RetentionConfig> ParseRetentionConfig(const Json& config, const ConfigContext& ctx);

// The BTQL text that selects what an exempt filter keeps: rows of `object` matching `filter`.
std::string ExemptQuery(const model::ObjectRef& object, const std::string& filter);

// Checks that `filter` is one BTQL filter expression over rows of `object` (no clauses); errors
// are kInvalidArgument "<field>: ..." with positions in the filter itself.
Status CheckFilter(const std::string& field, const std::string& filter,
                   const model::ObjectRef& object);

Json ExportConfigToJson(const ExportConfig& c);
Json RetentionConfigToJson(const RetentionConfig& c);

// `<prefix>:<org_id>:<project_id>:<automation_id>` (DESIGN.md §5).
std::string ExternalId(const ConfigContext& ctx);

// Validates `config` for an automation of the given project and returns its canonical JSON
// (with external_id filled in for exports).
Result<Json> ValidateAutomationConfig(const Json& config, const ConfigContext& ctx);

// The stored config of an export automation as runs read it: parsed again (it was validated
// when saved; objects are checked when a run reads them), with the external_id saved with it.
// kInvalidArgument when `automation` is not an export. `external_id_prefix` only matters for
// a config saved without an external_id.
Result<ExportConfig> StoredExportConfig(const model::Automation& automation,
                                        const std::string& external_id_prefix = "sluice");

// The stored config of a retention automation (validated again: it was when saved).
Result<RetentionConfig> StoredRetentionConfig(const model::Automation& automation);

// The object an export reads: project_logs of its project, or the custom query's object.
model::ObjectRef ExportSource(const ExportConfig& config, const std::string& project_id);

}  // namespace sluice::jobs
