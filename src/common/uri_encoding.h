// Percent-encoding per RFC 3986: request paths, queries and forms of the cloud clients, and
// the SQLite store's file URIs.
#pragma once

#include <string>
#include <string_view>

namespace sluice {

// Percent-encodes per RFC 3986 (unreserved characters A-Z a-z 0-9 - _ . ~ stay as they are);
// '/' stays unencoded when encode_slash is false.
std::string UriEncode(std::string_view in, bool encode_slash = true);
// Decodes %XX escapes (and, when plus_as_space, '+' as a space). Malformed escapes stay as is.
std::string UriDecode(std::string_view in, bool plus_as_space = false);

}  // namespace sluice
