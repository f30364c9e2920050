// RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 §3.3) over OpenSSL 3's EVP interface, and
// compact JWS/JWT signing (RFC 7515, RFC 7519) with it: the assertion a Google service account
// key presents to the OAuth 2.0 token endpoint (RFC 7523).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/status.h"

struct evp_pkey_st;

namespace sluice::cloud {

// Thread-safe: signing only reads the key; each call has its own digest context.
class RsaSha256Signer {
 public:
  // From a PEM private key ("-----BEGIN PRIVATE KEY-----", PKCS#8, as in Google key files; or
  // PKCS#1 "BEGIN RSA PRIVATE KEY"). kInvalidArgument when it is not an RSA private key; the
  // message never holds the key.
  static Result<std::unique_ptr<RsaSha256Signer>> FromPem(std::string_view pem);
  ~RsaSha256Signer();
  RsaSha256Signer(const RsaSha256Signer&) = delete;
  RsaSha256Signer& operator=(const RsaSha256Signer&) = delete;

  // The signature bytes of SHA-256(data). kInternal if OpenSSL fails.
  Result<std::string> Sign(std::string_view data) const;

 private:
  explicit RsaSha256Signer(evp_pkey_st* key) : key_(key) {}
  evp_pkey_st* key_;  // owned
};

// "<b64url(header)>.<b64url(claims)>.<b64url(RS256 signature)>". `header` gets "alg":"RS256"
// and "typ":"JWT" when it lacks them.
Result<std::string> SignJwtRs256(Json header, const Json& claims, const RsaSha256Signer& signer);

}  // namespace sluice::cloud
