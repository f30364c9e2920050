#include "api/signed_url.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/crypto.h"

namespace sluice::api {

namespace {

std::string Payload(std::string_view method, std::string_view path, std::string_view expires) {
  std::string p;
  p.append(method).push_back('\n');
  p.append(path).push_back('\n');
  p.append(expires);
  return p;
}

}  // namespace

std::string UrlSigner::Sign(std::string_view method, std::string_view path,
                            int64_t expires_unix) const {
  const std::string expires = std::to_string(expires_unix);
  return "expires=" + expires +
         "&signature=" + HexEncode(HmacSha256(secret_, Payload(method, path, expires)));
}

Status UrlSigner::Verify(std::string_view method, std::string_view path, std::string_view expires,
                         std::string_view signature, TimestampMicros now) const {
  if (expires.empty() || signature.empty()) {
    return PermissionDeniedError("this URL is not signed: ask the API for an upload URL first");
  }
  const std::string want = HexEncode(HmacSha256(secret_, Payload(method, path, expires)));
  if (!ConstantTimeEquals(want, signature)) {
    return PermissionDeniedError("the URL's signature does not match");
  }
  char* end = nullptr;
  const std::string e(expires);
  const long long at = std::strtoll(e.c_str(), &end, 10);
  if (*end != '\0' || at * 1'000'000 < now) {
    return PermissionDeniedError("this URL has expired: ask the API for a new one");
  }
  return Status();
}

Result<std::string> LoadOrCreateSigningSecret(const std::string& path) {
  {
    std::ifstream in(path);
    if (in) {
      std::stringstream s;
      s << in.rdbuf();
      std::string secret = s.str();
      while (!secret.empty() && (secret.back() == '\n' || secret.back() == ' ')) secret.pop_back();
      if (secret.size() >= 64) return secret;
      return FailedPreconditionError(path + " does not hold a signing secret (64 hex characters)");
    }
  }
  const std::string secret = HexEncode(RandomBytes(32));
  // O_EXCL: of two processes starting together, one writes and the other reads what it wrote.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return LoadOrCreateSigningSecret(path);
    return FailedPreconditionError("cannot create " + path + ": " + std::strerror(errno));
  }
  const std::string line = secret + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!ok) return FailedPreconditionError("cannot write " + path);
  return secret;
}

}  // namespace sluice::api
