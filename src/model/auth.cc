#include "model/auth.h"

#include "common/crypto.h"
#include "common/uuid.h"

namespace sluice::model {

namespace {
constexpr size_t kLookupLength = 12;
constexpr size_t kSecretLength = 40;

std::string HashKey(std::string_view salt_hex, std::string_view plaintext) {
  std::string in(salt_hex);
  in.append(plaintext);
  return HexEncode(Sha256(in));
}
}  // namespace

std::string_view PermissionName(Permission p) {
  switch (p) {
    case Permission::kNone: return "none";
    case Permission::kRead: return "read";
    case Permission::kWrite: return "write";
    case Permission::kAdmin: return "admin";
  }
  return "none";
}

Result<Permission> ParsePermission(std::string_view name) {
  if (name == "read") return Permission::kRead;
  if (name == "write") return Permission::kWrite;
  if (name == "admin") return Permission::kAdmin;
  return InvalidArgumentError("unknown permission \"" + std::string(name) +
                              "\": expected read, write or admin");
}

Permission ApiKey::PermissionOn(std::string_view project_id) const {
  Permission best = Permission::kNone;
  for (const Grant& g : grants) {
    if ((g.project_id.empty() || g.project_id == project_id) && g.permission > best) {
      best = g.permission;
    }
  }
  return best;
}

MintedKey MintKey(KeyKind kind, std::string org_id, std::string name, std::vector<Grant> grants,
                  TimestampMicros now) {
  MintedKey out;
  const std::string_view prefix = kind == KeyKind::kApiKey ? kApiKeyPrefix : kServiceTokenPrefix;
  const std::string body = RandomAlnum(kLookupLength + kSecretLength);
  out.plaintext = std::string(prefix) + body;
  out.key.id = NewUuid();
  out.key.org_id = std::move(org_id);
  out.key.name = std::move(name);
  out.key.kind = kind;
  out.key.lookup = body.substr(0, kLookupLength);
  out.key.salt = HexEncode(RandomBytes(16));
  out.key.hash = HashKey(out.key.salt, out.plaintext);
  out.key.grants = std::move(grants);
  out.key.created = now;
  return out;
}

Result<std::string> KeyLookupPart(std::string_view plaintext) {
  std::string_view body;
  if (plaintext.starts_with(kServiceTokenPrefix)) {
    body = plaintext.substr(kServiceTokenPrefix.size());
  } else if (plaintext.starts_with(kApiKeyPrefix)) {
    body = plaintext.substr(kApiKeyPrefix.size());
  } else {
    return UnauthenticatedError("the API key must start with sk- or sl-st-");
  }
  if (body.size() < kLookupLength + 8) return UnauthenticatedError("the API key is malformed");
  return std::string(body.substr(0, kLookupLength));
}

bool KeyMatches(const ApiKey& key, std::string_view plaintext) {
  return ConstantTimeEquals(HashKey(key.salt, plaintext), key.hash);
}

}  // namespace sluice::model
