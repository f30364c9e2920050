// UUIDs (RFC 9562): random version 4 ids for orgs, projects, objects and rows, and validation of
// ids given by clients. Carried as lower-case canonical strings.
#pragma once

#include <string>
#include <string_view>

namespace sluice {

// A new random (version 4) UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string NewUuid();
// True for the canonical 8-4-4-4-12 hex form (either case).
bool IsUuid(std::string_view s);

}  // namespace sluice
