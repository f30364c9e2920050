#include "cloud/gcp/rs256.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/base64.h"

namespace sluice::cloud {
namespace {

// OpenSSL's most recent error as text (never key material), and clears the queue.
std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return buf;
}

}  // namespace

Result<std::unique_ptr<RsaSha256Signer>> RsaSha256Signer::FromPem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return InternalError("BIO_new_mem_buf: " + OpenSslError());
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) {
    ERR_clear_error();
    return InvalidArgumentError("the private key is not a PEM private key");
  }
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    EVP_PKEY_free(key);
    return InvalidArgumentError("the private key is not an RSA key (RS256 needs one)");
  }
  return std::unique_ptr<RsaSha256Signer>(new RsaSha256Signer(key));
}

RsaSha256Signer::~RsaSha256Signer() { EVP_PKEY_free(key_); }

Result<std::string> RsaSha256Signer::Sign(std::string_view data) const {
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (ctx == nullptr) return InternalError("EVP_MD_CTX_new: " + OpenSslError());
  // PKCS#1 v1.5 padding is the default for RSA keys.
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_) != 1) {
    return InternalError("EVP_DigestSignInit: " + OpenSslError());
  }
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1) {
    return InternalError("EVP_DigestSign: " + OpenSslError());
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                     data.size()) != 1) {
    return InternalError("EVP_DigestSign: " + OpenSslError());
  }
  sig.resize(len);
  return sig;
}

Result<std::string> SignJwtRs256(Json header, const Json& claims, const RsaSha256Signer& signer) {
  if (header.Find("alg") == nullptr) header.Set("alg", Json::String("RS256"));
  if (header.Find("typ") == nullptr) header.Set("typ", Json::String("JWT"));
  std::string signing_input =
      Base64UrlEncode(header.ToString()) + "." + Base64UrlEncode(claims.ToString());
  SLUICE_ASSIGN_OR_RETURN(std::string sig, signer.Sign(signing_input));
  return signing_input + "." + Base64UrlEncode(sig);
}

}  // namespace sluice::cloud
