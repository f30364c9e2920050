#include "model/object.h"

namespace sluice::model {

std::string_view ObjectTypeName(ObjectType t) {
  switch (t) {
    case ObjectType::kProjectLogs: return "project_logs";
    case ObjectType::kExperiment: return "experiment";
    case ObjectType::kDataset: return "dataset";
  }
  return "project_logs";
}

Result<ObjectType> ParseObjectType(std::string_view name) {
  if (name == "project_logs") return ObjectType::kProjectLogs;
  if (name == "experiment") return ObjectType::kExperiment;
  if (name == "dataset") return ObjectType::kDataset;
  return InvalidArgumentError("unknown object type \"" + std::string(name) +
                              "\": expected project_logs, experiment or dataset");
}

Status ValidateName(std::string_view field, std::string_view name) {
  if (name.empty()) return InvalidArgumentError(std::string(field) + " must not be empty");
  if (name.size() > 1024) {
    return InvalidArgumentError(std::string(field) + " is longer than 1024 bytes");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      return InvalidArgumentError(std::string(field) + " must not contain control characters");
    }
  }
  return Status();
}

}  // namespace sluice::model
