#include "cloud/bucket_names.h"

#include <string>

namespace sluice::cloud {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool OnlyOf(std::string_view s, std::string_view extra) {
  for (char c : s) {
    if (!IsLowerAlnum(c) && extra.find(c) == std::string_view::npos) return false;
  }
  return true;
}

bool LooksLikeIpv4(std::string_view s) {
  int dots = 0;
  for (char c : s) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return false;
  }
  return dots == 3;
}

Status Bad(std::string_view what, std::string_view name, std::string_view why) {
  return InvalidArgumentError("invalid " + std::string(what) + " \"" + std::string(name) +
                              "\": " + std::string(why));
}

}  // namespace

Status ValidateBucketName(std::string_view b) {
  constexpr std::string_view kWhat = "S3 bucket name";
  if (b.size() < 3 || b.size() > 63) return Bad(kWhat, b, "must be 3 to 63 characters long");
  if (!OnlyOf(b, ".-")) {
    return Bad(kWhat, b, "may contain only lower-case letters, digits, '.' and '-'");
  }
  if (!IsLowerAlnum(b.front()) || !IsLowerAlnum(b.back())) {
    return Bad(kWhat, b, "must begin and end with a letter or digit");
  }
  if (b.find("..") != std::string_view::npos) return Bad(kWhat, b, "must not contain \"..\"");
  if (LooksLikeIpv4(b)) return Bad(kWhat, b, "must not be formatted as an IP address");
  if (b.starts_with("xn--") || b.starts_with("sthree-")) {
    return Bad(kWhat, b, "must not start with a reserved prefix (xn--, sthree-)");
  }
  if (b.ends_with("-s3alias") || b.ends_with("--ol-s3")) {
    return Bad(kWhat, b, "must not end with a reserved suffix (-s3alias, --ol-s3)");
  }
  return Status();
}

Status ValidateGcsBucketName(std::string_view b) {
  constexpr std::string_view kWhat = "Cloud Storage bucket name";
  const bool dotted = b.find('.') != std::string_view::npos;
  if (b.size() < 3 || b.size() > (dotted ? 222u : 63u)) {
    return Bad(kWhat, b, "must be 3 to 63 characters long (222 with dots)");
  }
  if (!OnlyOf(b, "-_.")) {
    return Bad(kWhat, b, "may contain only lower-case letters, digits, '-', '_' and '.'");
  }
  if (!IsLowerAlnum(b.front()) || !IsLowerAlnum(b.back())) {
    return Bad(kWhat, b, "must begin and end with a letter or digit");
  }
  for (size_t start = 0; start <= b.size();) {
    size_t dot = b.find('.', start);
    if (dot == std::string_view::npos) dot = b.size();
    if (dot - start > 63) return Bad(kWhat, b, "each dot-separated part is at most 63 characters");
    start = dot + 1;
  }
  if (LooksLikeIpv4(b)) return Bad(kWhat, b, "must not be formatted as an IP address");
  if (b.starts_with("goog") || b.find("google") != std::string_view::npos) {
    return Bad(kWhat, b, "must not start with \"goog\" or contain \"google\"");
  }
  return Status();
}

Status ValidateAzureAccountName(std::string_view a) {
  constexpr std::string_view kWhat = "Azure storage account name";
  if (a.size() < 3 || a.size() > 24) return Bad(kWhat, a, "must be 3 to 24 characters long");
  if (!OnlyOf(a, "")) return Bad(kWhat, a, "may contain only lower-case letters and digits");
  return Status();
}

Status ValidateAzureContainerName(std::string_view c) {
  constexpr std::string_view kWhat = "Azure container name";
  if (c.size() < 3 || c.size() > 63) return Bad(kWhat, c, "must be 3 to 63 characters long");
  if (!OnlyOf(c, "-")) return Bad(kWhat, c, "may contain only lower-case letters, digits and '-'");
  if (!IsLowerAlnum(c.front()) || !IsLowerAlnum(c.back()) ||
      c.find("--") != std::string_view::npos) {
    return Bad(kWhat, c,
               "must begin and end with a letter or digit, and every '-' must stand "
               "between letters or digits");
  }
  return Status();
}

}  // namespace sluice::cloud
