// Automations (Braintrust's ProjectAutomation shape): export (`event_type: "btql_export"`) and
// retention (`event_type: "retention"`) configurations, their runs, and retention marks. Plain
// data; validation of configs lives in jobs/automation_config.h (it needs the query parser and
// storage URLs).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "model/object.h"

namespace sluice::model {

enum class AutomationType { kExport, kRetention };

// "btql_export" or "retention".
std::string_view AutomationEventType(AutomationType t);

struct Automation {
  std::string id;
  std::string org_id;
  std::string project_id;
  std::string name;
  std::string description;  // empty = none
  TimestampMicros created = 0;
  AutomationType type = AutomationType::kExport;
  // The validated config as returned by the API (for exports with the server-filled
  // external_id).
  Json config = Json::Object();
};

enum class RunTrigger { kSchedule, kManual };
enum class RunStatus { kRunning, kSuccess, kWarning, kError };
std::string_view RunTriggerName(RunTrigger t);
std::string_view RunStatusName(RunStatus s);

// One run of an automation (export or retention). `stats` holds the kind-specific figures
// (rows, bytes, files, soft_deleted, purged, held_back, …) as a JSON object.
struct AutomationRun {
  std::string id;
  std::string automation_id;
  RunTrigger trigger = RunTrigger::kManual;
  RunStatus status = RunStatus::kRunning;
  TimestampMicros started = 0;
  std::optional<TimestampMicros> finished;
  Json stats = Json::Object();
  std::string error;  // empty = none; never holds secrets
};

// A retention run's soft delete of one object, recorded as a watermark instead of per-row
// marks: the rows of `object` with created < cutoff and _xact_id <= max_xact_id are hidden,
// except rows listed as exempt for this mark. A purge removes them for good after grace.
enum class MarkState { kActive, kRestored, kPurged };

struct RetentionMark {
  int64_t id = 0;
  std::string run_id;
  std::string automation_id;
  ObjectRef object;
  TimestampMicros cutoff = 0;  // INT64_MAX hides the whole object (experiments)
  uint64_t max_xact_id = 0;
  TimestampMicros created = 0;
  TimestampMicros purge_after = 0;
  MarkState state = MarkState::kActive;
};

}  // namespace sluice::model
