// Hashing and randomness over OpenSSL 3: SHA-256, HMAC-SHA-256, MD5 (only as the integrity
// check object stores ask for, never for security), hex, and a CSPRNG. Used by SigV4 and Azure
// Shared Key (cloud/) and API key hashing (store/, api/).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice {

using Sha256Digest = std::array<uint8_t, 32>;
using Md5Digest = std::array<uint8_t, 16>;

Sha256Digest Sha256(std::string_view data);
Sha256Digest HmacSha256(std::string_view key, std::string_view data);
// Lower-case hex of bytes.
std::string HexEncode(std::string_view bytes);
std::string HexEncode(const Sha256Digest& d);
std::string_view AsStringView(const Sha256Digest& d);
std::string_view AsStringView(const Md5Digest& d);

// MD5 (RFC 1321), for Content-MD5 and Cloud Storage's md5Hash: checksums against corruption in
// transit, not against tampering.
Md5Digest Md5(std::string_view data);

// n bytes from OpenSSL's CSPRNG.
std::string RandomBytes(size_t n);
// n random characters from [A-Za-z0-9] (for API keys and tokens).
std::string RandomAlnum(size_t n);

// Constant-time comparison for secrets.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Incremental SHA-256 for streamed data (file checksums). Not thread-safe.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  void Update(std::string_view data);
  Sha256Digest Finish();

 private:
  void* ctx_;
};

// Incremental MD5. Not thread-safe.
class Md5Hasher {
 public:
  Md5Hasher();
  ~Md5Hasher();
  Md5Hasher(const Md5Hasher&) = delete;
  Md5Hasher& operator=(const Md5Hasher&) = delete;
  void Update(std::string_view data);
  Md5Digest Finish();

 private:
  void* ctx_;
};

}  // namespace sluice
