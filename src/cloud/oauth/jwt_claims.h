// Reading the claims of a JSON Web Token (RFC 7519) without verifying it: sluice reads its
// own identity's tokens this way to tell users which issuer and subject to trust. Never use it
// to trust a token someone else presented.
#pragma once

#include <string>
#include <string_view>

#include "common/json.h"
#include "common/status.h"

namespace sluice::cloud {

// The payload (second part) of a compact JWS, parsed. kInvalidArgument when `jwt` is not one
// (an opaque token); the message never holds the token.
Result<Json> UnverifiedJwtClaims(std::string_view jwt);

// A string claim, or "" when absent or not a string.
std::string ClaimString(const Json& claims, std::string_view name);

}  // namespace sluice::cloud
