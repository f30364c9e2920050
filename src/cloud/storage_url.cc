#include "cloud/storage_url.h"

#include <cctype>

namespace sluice::cloud {
namespace {

bool LooksLikeIpv4(std::string_view s) {
  int dots = 0;
  for (char c : s) {
    if (c == '.')
      ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
  }
  return dots == 3;
}

Status BadBucket(std::string_view bucket, std::string_view why) {
  return InvalidArgumentError("invalid S3 bucket name \"" + std::string(bucket) +
                              "\": " + std::string(why));
}

}  // namespace

Status ValidateBucketName(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return BadBucket(b, "must be 3 to 63 characters long");
  for (char c : b) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!ok) {
      return BadBucket(b, "may contain only lower-case letters, digits, '.' and '-'");
    }
  }
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (!alnum(b.front()) || !alnum(b.back())) {
    return BadBucket(b, "must begin and end with a letter or digit");
  }
  if (b.find("..") != std::string_view::npos) return BadBucket(b, "must not contain \"..\"");
  if (LooksLikeIpv4(b)) return BadBucket(b, "must not be formatted as an IP address");
  if (b.starts_with("xn--") || b.starts_with("sthree-")) {
    return BadBucket(b, "must not start with a reserved prefix (xn--, sthree-)");
  }
  if (b.ends_with("-s3alias") || b.ends_with("--ol-s3")) {
    return BadBucket(b, "must not end with a reserved suffix (-s3alias, --ol-s3)");
  }
  return Status();
}

Result<StorageUrl> ParseStorageUrl(std::string_view url) {
  StorageUrl out;
  if (url.starts_with("s3://")) {
    std::string_view rest = url.substr(5);
    const size_t slash = rest.find('/');
    out.bucket = std::string(rest.substr(0, slash));
    if (out.bucket.empty()) {
      return InvalidArgumentError("\"" + std::string(url) +
                                  "\" has no bucket: use s3://bucket/prefix");
    }
    SLUICE_RETURN_IF_ERROR(ValidateBucketName(out.bucket));
    std::string_view prefix = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    while (prefix.ends_with('/')) prefix.remove_suffix(1);
    if (prefix.find("//") != std::string_view::npos) {
      return InvalidArgumentError("S3 prefix \"" + std::string(prefix) +
                                  "\" has an empty path segment");
    }
    out.path = std::string(prefix);
    return out;
  }
  if (url.starts_with("file://")) {
    out.scheme = StorageUrl::Scheme::kFile;
    std::string_view path = url.substr(7);
    if (!path.starts_with('/')) {
      return InvalidArgumentError("\"" + std::string(url) +
                                  "\": a file URL needs an absolute path (file:///dir)");
    }
    while (path.size() > 1 && path.ends_with('/')) path.remove_suffix(1);
    out.path = std::string(path);
    return out;
  }
  return InvalidArgumentError("unsupported destination \"" + std::string(url) +
                              "\": expected s3://bucket/prefix or file:///dir");
}

std::string StorageUrl::ToString() const {
  if (scheme == Scheme::kFile) return "file://" + path;
  return path.empty() ? "s3://" + bucket : "s3://" + bucket + "/" + path;
}

std::string StorageUrl::Join(std::string_view name) const {
  if (path.empty()) return std::string(name);
  if (path == "/") return "/" + std::string(name);
  return path + "/" + std::string(name);
}

std::string PrefixObjectsArn(const StorageUrl& url) {
  return "arn:aws:s3:::" + url.bucket + (url.path.empty() ? "/*" : "/" + url.path + "/*");
}

std::string DeniedMessage(std::string_view denied, std::string_view action, const StorageUrl& url,
                          std::string_view detail) {
  std::string out(denied);
  out += ": the role policy needs ";
  out += action;
  out += " on " + PrefixObjectsArn(url) + " [";
  out += detail;
  out += "]";
  return out;
}

}  // namespace sluice::cloud
