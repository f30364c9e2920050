// Helpers that read fields of a JSON request body with errors naming the field.
#pragma once

#include <optional>
#include <string>

#include "common/json.h"
#include "common/status.h"

namespace sluice::api {

// Parses the body as a JSON object ("" counts as {}).
Result<Json> ParseBodyObject(std::string_view body);
// The string member `name`, nullopt when absent or null; kInvalidArgument on another type.
Result<std::optional<std::string>> OptionalString(const Json& body, const char* name);
Result<std::optional<bool>> OptionalBool(const Json& body, const char* name);
Result<std::optional<int64_t>> OptionalInt(const Json& body, const char* name);
// A member that must be a JSON object when present: its canonical text, "" when absent.
Result<std::string> OptionalObjectText(const Json& body, const char* name);
Result<std::vector<std::string>> OptionalStrings(const Json& body, const char* name);
// A required UUID string member.
Result<std::string> RequiredUuid(const Json& body, const char* name);
// A path or query value that must be a UUID.
Status CheckUuid(const std::string& value, const char* name);

}  // namespace sluice::api
