// UrlSigner: short-lived URLs on sluice itself that carry their own authorization, for clients
// that upload or download without their API key (the SDKs' overflow payloads and attachments,
// sent to whatever URL the server hands out). A URL signs its method, path and expiry with
// HMAC-SHA-256 under a secret only the server holds.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace sluice::api {

// Immutable after construction; thread-safe.
class UrlSigner {
 public:
  // REQUIRES: secret is at least 32 bytes.
  explicit UrlSigner(std::string secret) : secret_(std::move(secret)) {}

  // The query string ("expires=<unix seconds>&signature=<hex>") for `method` on `path`.
  std::string Sign(std::string_view method, std::string_view path, int64_t expires_unix) const;
  // kPermissionDenied when the signature does not match or the URL has expired (saying which).
  Status Verify(std::string_view method, std::string_view path, std::string_view expires,
                std::string_view signature, TimestampMicros now) const;

 private:
  std::string secret_;
};

// The signing secret kept in `path` (32 random bytes, hex, mode 0600), created on first use, so
// URLs handed out survive a restart and every process sharing the directory agrees.
Result<std::string> LoadOrCreateSigningSecret(const std::string& path);

}  // namespace sluice::api
