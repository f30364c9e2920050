// Base64 per RFC 4648: the standard alphabet with '=' padding (§4) and the URL- and
// filename-safe alphabet without padding (§5, as JWTs use it).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace sluice {

// Standard alphabet, padded to a multiple of four characters.
std::string Base64Encode(std::string_view bytes);
// Accepts padded or unpadded input. kInvalidArgument on a character outside the alphabet or
// an impossible length.
Result<std::string> Base64Decode(std::string_view text);

// URL-safe alphabet ('-' and '_'), no padding.
std::string Base64UrlEncode(std::string_view bytes);
// Accepts padded or unpadded input; kInvalidArgument as Base64Decode.
Result<std::string> Base64UrlDecode(std::string_view text);

}  // namespace sluice
