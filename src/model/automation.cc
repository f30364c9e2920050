#include "model/automation.h"

namespace sluice::model {

std::string_view AutomationEventType(AutomationType t) {
  return t == AutomationType::kExport ? "btql_export" : "retention";
}

std::string_view RunTriggerName(RunTrigger t) {
  return t == RunTrigger::kSchedule ? "schedule" : "manual";
}

std::string_view RunStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::kRunning: return "running";
    case RunStatus::kSuccess: return "success";
    case RunStatus::kWarning: return "warning";
    case RunStatus::kError: return "error";
  }
  return "error";
}

}  // namespace sluice::model
