// SigV4Signer: AWS Signature Version 4 (HMAC-SHA256) request signing, in the Authorization
// header or as a presigned URL query. Implements the public SigV4 specification: canonical
// request, string to sign, derived signing key. Checked against the AWS signature test suites
// (tests/unit/cloud/sigv4_corpus_test.cc).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "cloud/aws/credentials.h"
#include "cloud/http/http_client.h"
#include "common/clock.h"

namespace sluice::cloud {

inline constexpr char kUnsignedPayload[] = "UNSIGNED-PAYLOAD";
inline constexpr char kEmptyPayloadSha256[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Decoded query parameters; order does not matter (the signer sorts them).

// The parts of a request that are signed.
struct SigningRequest {
  std::string method;
  // The path, NOT percent-encoded ("/bucket/my key"); the signer encodes it.
  std::string path = "/";
  QueryParams query;
  // Every header here is signed; it must include Host.
  HttpHeaders headers;
  // Hex SHA-256 of the body, or kUnsignedPayload.
  std::string payload_hash = kEmptyPayloadSha256;
};

struct SigV4Options {
  std::string region = "us-east-1";
  std::string service = "s3";
  // Remove "." and ".." segments and repeated slashes from the path (every service but S3).
  bool normalize_path = false;
  // Add and sign "x-amz-content-sha256: <payload_hash>" (S3 requires it).
  bool add_content_sha256_header = true;
  // Add X-Amz-Security-Token after signing instead of signing it (a few services want this).
  bool omit_session_token = false;
};

// What a signature was computed from, for tests and for debugging SignatureDoesNotMatch.
struct SigningResult {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  // The Authorization header value (header signing only).
  std::string authorization;
};

// Thread-safe: the signing-key cache is guarded by a mutex.
class SigV4Signer {
 public:
  explicit SigV4Signer(SigV4Options options) : options_(std::move(options)) {}

  const SigV4Options& options() const { return options_; }

  // Adds X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256 (per options) and
  // Authorization to request.headers, replacing any already there.
  SigningResult SignHeaders(SigningRequest& request, const AwsCredentials& credentials,
                            TimestampMicros now);

  // Adds the X-Amz-* presigning parameters and X-Amz-Signature to request.query.
  SigningResult Presign(SigningRequest& request, const AwsCredentials& credentials,
                        TimestampMicros now, int64_t expires_seconds);

  // The canonical (sorted, encoded) query string, also usable as the URL's query.
  static std::string CanonicalQueryString(const QueryParams& query);
  // The canonical URI of a path under the given normalisation.
  static std::string CanonicalUri(std::string_view path, bool normalize);
  // "20150830T123600Z".
  static std::string AmzDate(TimestampMicros now);

 private:
  SigningResult Sign(const SigningRequest& request, const AwsCredentials& credentials,
                     const std::string& amz_date);
  std::string SigningKey(const std::string& secret, const std::string& date);

  const SigV4Options options_;
  std::mutex mu_;
  std::map<std::string, std::string> key_cache_;  // guarded by mu_
};

}  // namespace sluice::cloud
