// Orgs, projects, experiments, datasets and the object kinds that hold rows
// (project_logs | experiment | dataset), following Braintrust's API shapes (Project, Experiment,
// Dataset in the OpenAPI subset). Plain data plus validation; no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace sluice::model {

// The kinds of object that hold rows.
enum class ObjectType { kProjectLogs, kExperiment, kDataset };

// "project_logs", "experiment", "dataset".
std::string_view ObjectTypeName(ObjectType t);
// Inverse of ObjectTypeName; kInvalidArgument for anything else.
Result<ObjectType> ParseObjectType(std::string_view name);

// Identifies one object that holds rows. For project_logs the id is the project id.
struct ObjectRef {
  ObjectType type = ObjectType::kProjectLogs;
  std::string id;

  friend bool operator==(const ObjectRef&, const ObjectRef&) = default;
};

struct Org {
  std::string id;
  std::string name;
  TimestampMicros created = 0;
};

struct Project {
  std::string id;
  std::string org_id;
  std::string name;
  std::string description;  // empty = none
  TimestampMicros created = 0;
};

struct Experiment {
  std::string id;
  std::string project_id;
  std::string name;
  std::string description;
  TimestampMicros created = 0;
  bool is_public = false;  // "public" in the API
  std::string metadata;    // canonical JSON object text, empty = none
  std::vector<std::string> tags;
  std::string dataset_id;   // empty = none
  std::string base_exp_id;  // empty = none
  // The git state the SDK reported (commit, branch, tag, dirty, author…): canonical JSON object
  // text, empty = none.
  std::string repo_info;
};

struct Dataset {
  std::string id;
  std::string project_id;
  std::string name;
  std::string description;
  TimestampMicros created = 0;
  std::string metadata;  // canonical JSON object text, empty = none
  std::vector<std::string> tags;
};

// Names of projects, experiments, datasets: 1–1024 characters, no control characters.
// `field` names the field in the error ("name must not be empty").
Status ValidateName(std::string_view field, std::string_view name);

}  // namespace sluice::model
