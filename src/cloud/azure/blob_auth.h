// How a Blob Storage request is authorised: Shared Key (the "SharedKey" scheme of the Azure
// Storage REST API: HMAC-SHA256 of the canonical string with the account key), a shared access
// signature appended to the query, or an OAuth bearer token from Microsoft Entra ID.
#pragma once

#include <memory>
#include <string>

#include "cloud/http/http_client.h"
#include "cloud/oauth/access_token.h"

namespace sluice::cloud {

// What an authoriser sees of one request, and may add to (a header or query parameters).
struct BlobRequestToSign {
  std::string method;
  // The storage account (Shared Key's canonicalized resource names it).
  std::string account;
  // The request path exactly as sent, percent-encoded: "/container/blob" (or, on an emulator,
  // "/devstoreaccount1/container/blob").
  std::string encoded_path;
  // Unencoded query parameters.
  QueryParams query;
  // Includes x-ms-date and x-ms-version; Content-Length is not among them (see below).
  HttpHeaders headers;
  // The body's length in bytes (sent as Content-Length by the HTTP client).
  int64_t content_length = 0;
};

// Thread-safe implementations only.
class BlobAuthorizer {
 public:
  virtual ~BlobAuthorizer() = default;
  // Adds the authorisation to `request`. Errors come from the token source (Entra ID).
  virtual Status Authorize(BlobRequestToSign& request) = 0;
  // Drops a cached token after the service refused it; false when a new attempt could not
  // change anything (a key or SAS).
  virtual bool Invalidate() { return false; }
  // "shared key", "shared access signature", or the token source's name.
  virtual std::string Name() const = 0;
};

// The Shared Key string-to-sign of the Blob service (versions 2009-09-19 and later): the verb,
// eleven standard headers (Content-Length empty when zero), the x-ms-* headers and the
// canonicalized resource ("/<account><encoded path>" and the sorted, decoded query).
std::string SharedKeyStringToSign(const BlobRequestToSign& request);

class SharedKeyAuthorizer final : public BlobAuthorizer {
 public:
  // `key_base64` is the account key as the portal shows it. kInvalidArgument when it is not
  // base64 (the message never contains the key).
  static Result<std::unique_ptr<SharedKeyAuthorizer>> Create(const std::string& key_base64);
  Status Authorize(BlobRequestToSign& request) override;
  std::string Name() const override { return "shared key"; }

 private:
  explicit SharedKeyAuthorizer(std::string key) : key_(std::move(key)) {}
  const std::string key_;  // decoded
};

class SasAuthorizer final : public BlobAuthorizer {
 public:
  // `sas_token` is the query string of a SAS ("sv=...&sig=..."), with or without '?'.
  explicit SasAuthorizer(const std::string& sas_token);
  Status Authorize(BlobRequestToSign& request) override;
  std::string Name() const override { return "shared access signature"; }

 private:
  QueryParams params_;  // decoded
};

// "Authorization: Bearer <token>" from `tokens` (borrowed; must outlive the authoriser).
class BearerAuthorizer final : public BlobAuthorizer {
 public:
  explicit BearerAuthorizer(TokenProvider& tokens) : tokens_(tokens) {}
  Status Authorize(BlobRequestToSign& request) override;
  bool Invalidate() override;
  std::string Name() const override { return tokens_.Name(); }

 private:
  TokenProvider& tokens_;
};

}  // namespace sluice::cloud
