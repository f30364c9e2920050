// API keys (`sk-…`) and service tokens (`sl-st-…`): bound to one org, carrying per-project
// permissions read < write < admin, or org-wide ones. Stored only as salted SHA-256 hashes;
// the plaintext is shown once at creation.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace sluice::model {

enum class Permission { kNone = 0, kRead = 1, kWrite = 2, kAdmin = 3 };

std::string_view PermissionName(Permission p);
Result<Permission> ParsePermission(std::string_view name);

enum class KeyKind { kApiKey, kServiceToken };

inline constexpr std::string_view kApiKeyPrefix = "sk-";
inline constexpr std::string_view kServiceTokenPrefix = "sl-st-";

// One permission on one project, or on every project of the org when project_id is empty.
struct Grant {
  std::string project_id;  // empty = org-wide
  Permission permission = Permission::kRead;

  friend bool operator==(const Grant&, const Grant&) = default;
};

// A stored key: never holds the plaintext.
struct ApiKey {
  std::string id;
  std::string org_id;
  std::string name;
  KeyKind kind = KeyKind::kApiKey;
  std::string lookup;  // public part of the key (first 12 chars after the prefix), indexed
  std::string salt;    // hex
  std::string hash;    // hex SHA-256(salt || plaintext)
  std::vector<Grant> grants;
  TimestampMicros created = 0;
  std::optional<TimestampMicros> revoked;

  // The permission this key has on a project (the highest of its grants that apply).
  Permission PermissionOn(std::string_view project_id) const;
};

// A freshly minted key: the stored form and the plaintext to show once.
struct MintedKey {
  ApiKey key;
  std::string plaintext;
};

// Creates a new random key of the given kind. REQUIRES: org_id non-empty.
MintedKey MintKey(KeyKind kind, std::string org_id, std::string name, std::vector<Grant> grants,
                  TimestampMicros now);

// The lookup part of a presented plaintext key, or kUnauthenticated when it is not of the form
// `sk-…`/`sl-st-…` with enough characters.
Result<std::string> KeyLookupPart(std::string_view plaintext);

// Whether plaintext matches the stored salted hash (constant time).
bool KeyMatches(const ApiKey& key, std::string_view plaintext);

}  // namespace sluice::model
