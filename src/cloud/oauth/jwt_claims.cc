#include "cloud/oauth/jwt_claims.h"

#include "common/base64.h"

namespace sluice::cloud {

Result<Json> UnverifiedJwtClaims(std::string_view jwt) {
  const size_t first = jwt.find('.');
  const size_t second = first == std::string_view::npos ? first : jwt.find('.', first + 1);
  if (second == std::string_view::npos) return InvalidArgumentError("the token is not a JWT");
  auto payload = Base64UrlDecode(jwt.substr(first + 1, second - first - 1));
  if (!payload.ok()) return InvalidArgumentError("the token's payload is not base64url");
  auto claims = Json::Parse(*payload);
  if (!claims.ok() || !claims->is_object()) {
    return InvalidArgumentError("the token's payload is not a JSON object");
  }
  return std::move(claims).value();
}

std::string ClaimString(const Json& claims, std::string_view name) {
  const Json* v = claims.Find(name);
  return v != nullptr && v->is_string() ? v->string_value() : std::string();
}

}  // namespace sluice::cloud
