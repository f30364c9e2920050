#include "cloud/azure/blob_auth.h"

#include <algorithm>
#include <cctype>

#include "common/base64.h"
#include "common/crypto.h"

namespace sluice::cloud {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Linear whitespace folded to one space, the ends trimmed.
std::string Folded(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string HeaderOrEmpty(const HttpHeaders& headers, std::string_view name) {
  const std::string* v = FindHeader(headers, name);
  return v == nullptr ? std::string() : *v;
}

std::string CanonicalizedHeaders(const HttpHeaders& headers) {
  std::vector<std::pair<std::string, std::string>> ms;
  for (const auto& [name, value] : headers) {
    std::string n = Lower(name);
    if (n.starts_with("x-ms-")) ms.emplace_back(std::move(n), Folded(value));
  }
  std::sort(ms.begin(), ms.end());
  std::string out;
  for (const auto& [n, v] : ms) out += n + ":" + v + "\n";
  return out;
}

std::string CanonicalizedResource(const BlobRequestToSign& r) {
  std::string out = "/" + r.account + r.encoded_path;
  // Names lower-cased and sorted; the values of a repeated name sorted and joined by ','.
  std::vector<std::pair<std::string, std::string>> q;
  for (const auto& [name, value] : r.query) q.emplace_back(Lower(name), value);
  std::sort(q.begin(), q.end());
  for (size_t i = 0; i < q.size();) {
    out += "\n" + q[i].first + ":" + q[i].second;
    size_t j = i + 1;
    for (; j < q.size() && q[j].first == q[i].first; ++j) out += "," + q[j].second;
    i = j;
  }
  return out;
}

}  // namespace

std::string SharedKeyStringToSign(const BlobRequestToSign& r) {
  std::string s = r.method + "\n";
  for (const char* name : {"Content-Encoding", "Content-Language"}) {
    s += HeaderOrEmpty(r.headers, name) + "\n";
  }
  s += (r.content_length > 0 ? std::to_string(r.content_length) : std::string()) + "\n";
  for (const char* name : {"Content-MD5", "Content-Type", "Date", "If-Modified-Since", "If-Match",
                           "If-None-Match", "If-Unmodified-Since", "Range"}) {
    s += HeaderOrEmpty(r.headers, name) + "\n";
  }
  return s + CanonicalizedHeaders(r.headers) + CanonicalizedResource(r);
}

Result<std::unique_ptr<SharedKeyAuthorizer>> SharedKeyAuthorizer::Create(
    const std::string& key_base64) {
  auto key = Base64Decode(key_base64);
  if (!key.ok() || key->empty()) {
    return InvalidArgumentError(
        "the storage account key is not base64 (copy it whole from "
        "the account's Access keys)");
  }
  return std::unique_ptr<SharedKeyAuthorizer>(new SharedKeyAuthorizer(std::move(key).value()));
}

Status SharedKeyAuthorizer::Authorize(BlobRequestToSign& request) {
  const std::string signature =
      Base64Encode(AsStringView(HmacSha256(key_, SharedKeyStringToSign(request))));
  request.headers.emplace_back("Authorization", "SharedKey " + request.account + ":" + signature);
  return Status();
}

SasAuthorizer::SasAuthorizer(const std::string& sas_token) {
  std::string_view rest = sas_token;
  if (rest.starts_with('?')) rest.remove_prefix(1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    std::string_view part = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    params_.emplace_back(UriDecode(part.substr(0, eq)),
                         eq == std::string_view::npos ? "" : UriDecode(part.substr(eq + 1)));
  }
}

Status SasAuthorizer::Authorize(BlobRequestToSign& request) {
  for (const auto& p : params_) request.query.push_back(p);
  return Status();
}

Status BearerAuthorizer::Authorize(BlobRequestToSign& request) {
  SLUICE_ASSIGN_OR_RETURN(AccessToken token, tokens_.GetToken());
  request.headers.emplace_back("Authorization", "Bearer " + token.token);
  return Status();
}

bool BearerAuthorizer::Invalidate() {
  tokens_.Invalidate();
  return true;
}

}  // namespace sluice::cloud
