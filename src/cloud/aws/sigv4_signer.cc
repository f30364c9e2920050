#include "cloud/aws/sigv4_signer.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "common/crypto.h"

namespace sluice::cloud {
namespace {

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";
// Cached signing keys beyond this many are dropped (they change daily anyway).
constexpr size_t kMaxCachedKeys = 32;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trims and collapses runs of whitespace (including folded line breaks) to one space.
std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  bool pending_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

void RemoveHeader(HttpHeaders& headers, std::string_view name) {
  std::erase_if(headers, [&](const auto& h) {
    return h.first.size() == name.size() &&
           strncasecmp(h.first.data(), name.data(), name.size()) == 0;
  });
}

struct CanonicalHeaders {
  std::string block;         // "name:value\n" lines
  std::string signed_names;  // "host;x-amz-date"
};

CanonicalHeaders BuildCanonicalHeaders(const HttpHeaders& headers) {
  // Stable sort by lower-cased name keeps the order of repeated headers' values.
  std::vector<std::pair<std::string, std::string>> lowered;
  lowered.reserve(headers.size());
  for (const auto& [k, v] : headers) lowered.emplace_back(Lower(k), CanonicalHeaderValue(v));
  std::stable_sort(lowered.begin(), lowered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  CanonicalHeaders out;
  for (size_t i = 0; i < lowered.size(); ++i) {
    if (i > 0 && lowered[i].first == lowered[i - 1].first) {
      out.block.back() = ',';  // replace the previous line's '\n'
    } else {
      if (!out.signed_names.empty()) out.signed_names.push_back(';');
      out.signed_names += lowered[i].first;
      out.block += lowered[i].first;
      out.block.push_back(':');
    }
    out.block += lowered[i].second;
    out.block.push_back('\n');
  }
  return out;
}

std::string Scope(const std::string& date, const SigV4Options& o) {
  return date + "/" + o.region + "/" + o.service + "/aws4_request";
}

}  // namespace

std::string SigV4Signer::AmzDate(TimestampMicros now) {
  const std::time_t secs = static_cast<std::time_t>(now / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string SigV4Signer::CanonicalQueryString(const QueryParams& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [k, v] : query) encoded.emplace_back(UriEncode(k), UriEncode(v));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [k, v] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += k;
    out.push_back('=');
    out += v;
  }
  return out;
}

std::string SigV4Signer::CanonicalUri(std::string_view path, bool normalize) {
  if (path.empty()) return "/";
  if (!normalize) return UriEncode(path, /*encode_slash=*/false);
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    start = end + 1;
  }
  std::string out;
  for (std::string_view seg : segments) {
    out.push_back('/');
    out += UriEncode(seg);
  }
  if (segments.empty() || path.back() == '/') out.push_back('/');
  return out;
}

std::string SigV4Signer::SigningKey(const std::string& secret, const std::string& date) {
  std::string cache_key = date + '\n' + options_.region + '\n' + options_.service + '\n' + secret;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = key_cache_.find(cache_key);
  if (it != key_cache_.end()) return it->second;
  Sha256Digest k = HmacSha256("AWS4" + secret, date);
  k = HmacSha256(AsStringView(k), options_.region);
  k = HmacSha256(AsStringView(k), options_.service);
  k = HmacSha256(AsStringView(k), "aws4_request");
  if (key_cache_.size() >= kMaxCachedKeys) key_cache_.clear();
  std::string key(AsStringView(k));
  key_cache_.emplace(std::move(cache_key), key);
  return key;
}

SigningResult SigV4Signer::Sign(const SigningRequest& request, const AwsCredentials& credentials,
                                const std::string& amz_date) {
  const CanonicalHeaders headers = BuildCanonicalHeaders(request.headers);
  SigningResult r;
  r.canonical_request = request.method + "\n" +
                        CanonicalUri(request.path, options_.normalize_path) + "\n" +
                        CanonicalQueryString(request.query) + "\n" + headers.block + "\n" +
                        headers.signed_names + "\n" + request.payload_hash;
  const std::string date = amz_date.substr(0, 8);
  r.string_to_sign = std::string(kAlgorithm) + "\n" + amz_date + "\n" + Scope(date, options_) +
                     "\n" + HexEncode(Sha256(r.canonical_request));
  const std::string key = SigningKey(credentials.secret_access_key, date);
  r.signature = HexEncode(HmacSha256(key, r.string_to_sign));
  r.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
                    Scope(date, options_) + ", SignedHeaders=" + headers.signed_names +
                    ", Signature=" + r.signature;
  return r;
}

SigningResult SigV4Signer::SignHeaders(SigningRequest& request, const AwsCredentials& credentials,
                                       TimestampMicros now) {
  const std::string amz_date = AmzDate(now);
  for (const char* name : {"Authorization", "X-Amz-Date"}) RemoveHeader(request.headers, name);
  request.headers.emplace_back("X-Amz-Date", amz_date);
  const bool has_token = !credentials.session_token.empty();
  if (has_token) RemoveHeader(request.headers, "X-Amz-Security-Token");
  if (has_token && !options_.omit_session_token) {
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  if (options_.add_content_sha256_header) {
    RemoveHeader(request.headers, "x-amz-content-sha256");
    request.headers.emplace_back("x-amz-content-sha256", request.payload_hash);
  }
  SigningResult r = Sign(request, credentials, amz_date);
  if (has_token && options_.omit_session_token) {
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  request.headers.emplace_back("Authorization", r.authorization);
  return r;
}

SigningResult SigV4Signer::Presign(SigningRequest& request, const AwsCredentials& credentials,
                                   TimestampMicros now, int64_t expires_seconds) {
  const std::string amz_date = AmzDate(now);
  const CanonicalHeaders headers = BuildCanonicalHeaders(request.headers);
  request.query.emplace_back("X-Amz-Algorithm", kAlgorithm);
  request.query.emplace_back(
      "X-Amz-Credential", credentials.access_key_id + "/" + Scope(amz_date.substr(0, 8), options_));
  request.query.emplace_back("X-Amz-Date", amz_date);
  request.query.emplace_back("X-Amz-Expires", std::to_string(expires_seconds));
  request.query.emplace_back("X-Amz-SignedHeaders", headers.signed_names);
  const bool has_token = !credentials.session_token.empty();
  if (has_token && !options_.omit_session_token) {
    request.query.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  SigningResult r = Sign(request, credentials, amz_date);
  if (has_token && options_.omit_session_token) {
    request.query.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  request.query.emplace_back("X-Amz-Signature", r.signature);
  r.authorization.clear();
  return r;
}

}  // namespace sluice::cloud
