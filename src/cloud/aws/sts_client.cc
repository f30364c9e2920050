#include "cloud/aws/sts_client.h"

#include "cloud/s3/s3_errors.h"
#include "cloud/xml/xml_reader.h"
#include "common/crypto.h"
#include "common/time_util.h"

namespace sluice::cloud {
namespace {

SigV4Options StsSigning(const std::string& region) {
  SigV4Options o;
  o.region = region;
  o.service = "sts";
  o.normalize_path = true;
  o.add_content_sha256_header = false;
  return o;
}

std::string FormEncode(const QueryParams& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out += UriEncode(k) + "=" + UriEncode(v);
  }
  return out;
}

std::string HostOf(const std::string& url) {
  const size_t sep = url.find("://");
  std::string rest = sep == std::string::npos ? url : url.substr(sep + 3);
  return rest.substr(0, rest.find('/'));
}

}  // namespace

Result<AwsCredentials> ParseStsCredentials(std::string_view xml) {
  SLUICE_ASSIGN_OR_RETURN(XmlElement doc, ParseXml(xml));
  const XmlElement* result = nullptr;
  for (const XmlElement& c : doc.children) {
    if (c.name.ends_with("Result")) result = &c;
  }
  const XmlElement* creds = result ? result->Child("Credentials") : nullptr;
  if (creds == nullptr) return InvalidArgumentError("STS response has no Credentials element");
  AwsCredentials out;
  out.access_key_id = creds->ChildText("AccessKeyId");
  out.secret_access_key = creds->ChildText("SecretAccessKey");
  out.session_token = creds->ChildText("SessionToken");
  const std::string exp = creds->ChildText("Expiration");
  if (!exp.empty()) {
    SLUICE_ASSIGN_OR_RETURN(out.expiration, ParseRfc3339(exp));
  }
  if (out.empty()) return InvalidArgumentError("STS response has incomplete Credentials");
  return out;
}

StsClient::StsClient(StsOptions options, HttpClient& http, Clock& clock)
    : options_(std::move(options)),
      http_(http),
      clock_(clock),
      signer_(StsSigning(options_.region)),
      retry_(options_.retry, clock) {}

Result<std::string> StsClient::Call(const QueryParams& params, const AwsCredentials* caller) {
  const std::string url = options_.endpoint.empty()
                              ? "https://sts." + options_.region + ".amazonaws.com/"
                              : options_.endpoint + "/";
  const std::string body = FormEncode(params);
  const std::string action = params.front().second;
  std::string out;
  Status st = retry_.Run([&]() -> Status {
    HttpRequest req;
    req.method = "POST";
    req.url = url;
    req.body = body;
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    if (caller != nullptr) {
      SigningRequest sreq;
      sreq.method = "POST";
      sreq.path = "/";
      sreq.headers = req.headers;
      sreq.headers.emplace_back("Host", HostOf(url));
      sreq.payload_hash = HexEncode(Sha256(body));
      signer_.SignHeaders(sreq, *caller, clock_.NowMicros());
      req.headers.clear();
      for (auto& h : sreq.headers) {
        if (h.first != "Host") req.headers.push_back(std::move(h));
      }
    }
    SLUICE_ASSIGN_OR_RETURN(HttpResponse resp, http_.Send(req));
    if (resp.status_code >= 200 && resp.status_code < 300) {
      out = std::move(resp.body);
      return Status();
    }
    return AwsErrorToStatus(ParseAwsError(resp), "STS " + action, "");
  });
  if (!st.ok()) return st;
  return out;
}

Result<AwsCredentials> StsClient::AssumeRole(const AssumeRoleRequest& request,
                                             const AwsCredentials& caller) {
  QueryParams p = {{"Action", "AssumeRole"},
                   {"Version", "2011-06-15"},
                   {"RoleArn", request.role_arn},
                   {"RoleSessionName", request.role_session_name},
                   {"DurationSeconds", std::to_string(request.duration_seconds)}};
  if (!request.external_id.empty()) p.emplace_back("ExternalId", request.external_id);
  SLUICE_ASSIGN_OR_RETURN(std::string body, Call(p, &caller));
  return ParseStsCredentials(body);
}

Result<AwsCredentials> StsClient::AssumeRoleWithWebIdentity(const std::string& role_arn,
                                                            const std::string& session_name,
                                                            const std::string& token) {
  QueryParams p = {{"Action", "AssumeRoleWithWebIdentity"},
                   {"Version", "2011-06-15"},
                   {"RoleArn", role_arn},
                   {"RoleSessionName", session_name},
                   {"WebIdentityToken", token}};
  SLUICE_ASSIGN_OR_RETURN(std::string body, Call(p, nullptr));
  return ParseStsCredentials(body);
}

Result<std::string> StsClient::GetCallerIdentityArn(const AwsCredentials& caller) {
  QueryParams p = {{"Action", "GetCallerIdentity"}, {"Version", "2011-06-15"}};
  SLUICE_ASSIGN_OR_RETURN(std::string body, Call(p, &caller));
  SLUICE_ASSIGN_OR_RETURN(XmlElement doc, ParseXml(body));
  const XmlElement* arn = doc.Find("GetCallerIdentityResult/Arn");
  if (arn == nullptr) return InvalidArgumentError("GetCallerIdentity response has no Arn");
  return arn->text;
}

AssumeRoleCredentialsProvider::AssumeRoleCredentialsProvider(StsClient& sts,
                                                             CredentialsProvider& source,
                                                             AssumeRoleRequest request,
                                                             Clock& clock)
    : sts_(sts), source_(source), request_(std::move(request)), cache_(clock) {}

Result<AwsCredentials> AssumeRoleCredentialsProvider::GetCredentials() {
  return cache_.Get([this]() -> Result<AwsCredentials> {
    SLUICE_ASSIGN_OR_RETURN(AwsCredentials caller, source_.GetCredentials());
    return sts_.AssumeRole(request_, caller);
  });
}

void AssumeRoleCredentialsProvider::Invalidate() { cache_.Invalidate(); }

}  // namespace sluice::cloud
