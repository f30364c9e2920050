#include "cloud/s3/s3_client.h"

#include <arpa/inet.h>

#include <cstring>
#include <ctime>

#include "cloud/s3/s3_errors.h"
#include "cloud/xml/xml_reader.h"
#include "common/crypto.h"
#include "common/time_util.h"

namespace sluice::cloud {
namespace {

SigV4Options S3SigningOptions(const std::string& region) {
  SigV4Options o;
  o.region = region;
  o.service = "s3";
  o.normalize_path = false;
  o.add_content_sha256_header = true;
  return o;
}

// Splits "scheme://authority[/...]" into scheme and authority.
void SplitEndpoint(const std::string& endpoint, std::string& scheme, std::string& authority) {
  const size_t sep = endpoint.find("://");
  scheme = sep == std::string::npos ? "https" : endpoint.substr(0, sep);
  std::string rest = sep == std::string::npos ? endpoint : endpoint.substr(sep + 3);
  const size_t slash = rest.find('/');
  authority = rest.substr(0, slash);
}

// True when the endpoint's host is an IP address or localhost: no DNS name would resolve for
// "<bucket>.<host>", so requests go path style there, as the AWS SDKs do.
bool HostTakesNoBucketName(const std::string& authority) {
  if (!authority.empty() && authority.front() == '[') return true;  // [IPv6]:port
  const std::string host = authority.substr(0, authority.rfind(':'));
  if (host == "localhost") return true;
  in_addr v4;
  return inet_pton(AF_INET, host.c_str(), &v4) == 1;
}

std::string Unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

}  // namespace

S3Client::S3Client(std::string bucket, S3ClientOptions options, HttpClient& http,
                   CredentialsProvider& credentials, Clock& clock)
    : bucket_(std::move(bucket)),
      options_(std::move(options)),
      http_(http),
      credentials_(credentials),
      clock_(clock),
      signer_(S3SigningOptions(options_.region)),
      retry_(options_.retry, clock) {}

std::string S3Client::Describe(const std::string& key) const {
  return key.empty() ? "s3://" + bucket_ : "s3://" + bucket_ + "/" + key;
}

void S3Client::Address(const std::string& key, std::string& base, std::string& host,
                       std::string& path) const {
  std::string scheme;
  std::string authority;
  if (options_.endpoint.empty()) {
    scheme = "https";
    authority = "s3." + options_.region + ".amazonaws.com";
  } else {
    SplitEndpoint(options_.endpoint, scheme, authority);
  }
  const bool dotted_tls = scheme == "https" && bucket_.find('.') != std::string::npos;
  if (options_.path_style || dotted_tls || HostTakesNoBucketName(authority)) {
    host = authority;
    path = "/" + bucket_ + (key.empty() ? "" : "/" + key);
  } else {
    host = bucket_ + "." + authority;
    path = "/" + key;
  }
  base = scheme + "://" + host;
}

Result<HttpResponse> S3Client::Attempt(const Call& call, const std::string& payload_hash) {
  SLUICE_ASSIGN_OR_RETURN(AwsCredentials creds, credentials_.GetCredentials());
  std::string base;
  std::string host;
  SigningRequest sreq;
  Address(call.key, base, host, sreq.path);
  sreq.method = call.method;
  sreq.query = call.query;
  sreq.headers = call.headers;
  sreq.headers.emplace_back("Host", host);
  sreq.payload_hash = payload_hash;
  signer_.SignHeaders(sreq, creds, clock_.NowMicros());

  HttpRequest req;
  req.method = call.method;
  req.url = base + SigV4Signer::CanonicalUri(sreq.path, false);
  const std::string qs = SigV4Signer::CanonicalQueryString(call.query);
  if (!qs.empty()) req.url += "?" + qs;
  for (auto& h : sreq.headers) {
    if (h.first != "Host") req.headers.push_back(std::move(h));
  }
  if (!call.body.empty()) {
    auto offset = std::make_shared<size_t>(0);
    std::string_view body = call.body;
    req.body_reader = [offset, body](char* buf, size_t len) {
      const size_t n = std::min(len, body.size() - *offset);
      std::memcpy(buf, body.data() + *offset, n);
      *offset += n;
      return n;
    };
    req.body_length = static_cast<int64_t>(body.size());
  }
  return http_.Send(req);
}

Result<HttpResponse> S3Client::Execute(const Call& call) {
  const std::string payload_hash = HexEncode(Sha256(call.body));
  HttpResponse out;
  bool refreshed = false;
  Status st = retry_.Run([&]() -> Status {
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(HttpResponse resp, Attempt(call, payload_hash));
      if (resp.status_code >= 200 && resp.status_code < 300) {
        out = std::move(resp);
        return Status();
      }
      const AwsError err = ParseAwsError(resp);
      if (IsExpiredTokenError(err) && !refreshed) {
        // Temporary credentials ran out: fetch fresh ones once and try again at once.
        refreshed = true;
        credentials_.Invalidate();
        continue;
      }
      return AwsErrorToStatus(err, call.operation, Describe(call.key));
    }
  });
  if (!st.ok()) return st;
  return out;
}

Status S3Client::Put(const std::string& key, std::string_view bytes) {
  if (static_cast<int64_t>(bytes.size()) <= options_.multipart.threshold_bytes) {
    return PutObject(key, bytes);
  }
  MultipartWriter writer(*this, key, options_.multipart);
  SLUICE_RETURN_IF_ERROR(writer.Write(bytes));
  return writer.Finish().status();
}

Status S3Client::PutObject(const std::string& key, std::string_view bytes) {
  Call c{"PutObject", "PUT", key, {}, {}, bytes};
  return Execute(c).status();
}

Result<std::unique_ptr<ObjectWriter>> S3Client::NewWriter(const std::string& key) {
  if (key.empty()) return InvalidArgumentError("empty object key");
  return std::unique_ptr<ObjectWriter>(
      std::make_unique<MultipartWriter>(*this, key, options_.multipart));
}

Result<std::string> S3Client::Get(const std::string& key) {
  Call c{"GetObject", "GET", key, {}, {}, {}};
  SLUICE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(c));
  return std::move(resp.body);
}

Result<ObjectInfo> S3Client::Head(const std::string& key) {
  Call c{"HeadObject", "HEAD", key, {}, {}, {}};
  SLUICE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(c));
  ObjectInfo info;
  info.key = key;
  if (const std::string* len = FindHeader(resp.headers, "Content-Length")) {
    info.size_bytes = std::strtoll(len->c_str(), nullptr, 10);
  }
  if (const std::string* etag = FindHeader(resp.headers, "ETag")) info.etag = Unquote(*etag);
  if (const std::string* lm = FindHeader(resp.headers, "Last-Modified")) {
    info.last_modified = ParseHttpDate(*lm);
  }
  return info;
}

Status S3Client::Delete(const std::string& key) {
  Call c{"DeleteObject", "DELETE", key, {}, {}, {}};
  Status s = Execute(c).status();
  // Deleting a missing key is a success in S3; some compatible stores answer 404.
  if (StorageErrorOf(s) == StorageError::kObjectNotFound) {
    return Status();
  }
  return s;
}

Result<ListPage> S3Client::List(const std::string& prefix, const std::string& page_token,
                                int max_keys) {
  Call c{"ListObjectsV2", "GET", "", {{"list-type", "2"}}, {}, {}};
  c.query.emplace_back("max-keys", std::to_string(max_keys));
  if (!prefix.empty()) c.query.emplace_back("prefix", prefix);
  if (!page_token.empty()) c.query.emplace_back("continuation-token", page_token);
  SLUICE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(c));
  SLUICE_ASSIGN_OR_RETURN(XmlElement doc, ParseXml(resp.body));
  ListPage page;
  for (const XmlElement* e : doc.Children("Contents")) {
    ObjectInfo o;
    o.key = e->ChildText("Key");
    o.size_bytes = std::strtoll(e->ChildText("Size").c_str(), nullptr, 10);
    o.etag = Unquote(e->ChildText("ETag"));
    auto lm = ParseRfc3339(e->ChildText("LastModified"));
    if (lm.ok()) o.last_modified = *lm;
    page.objects.push_back(std::move(o));
  }
  if (doc.ChildText("IsTruncated") == "true") {
    page.next_page_token = doc.ChildText("NextContinuationToken");
  }
  return page;
}

Result<std::string> S3Client::CreateMultipartUpload(const std::string& key) {
  Call c{"CreateMultipartUpload", "POST", key, {{"uploads", ""}}, {}, {}};
  SLUICE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(c));
  SLUICE_ASSIGN_OR_RETURN(XmlElement doc, ParseXml(resp.body));
  std::string id = doc.ChildText("UploadId");
  if (id.empty()) return InternalError("CreateMultipartUpload " + Describe(key) + ": no UploadId");
  return id;
}

Result<std::string> S3Client::UploadPart(const std::string& key, const std::string& upload_id,
                                         int part_number, std::string_view bytes) {
  Call c{"UploadPart", "PUT",
         key,          {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}},
         {},           bytes};
  SLUICE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(c));
  const std::string* etag = FindHeader(resp.headers, "ETag");
  if (etag == nullptr) return InternalError("UploadPart " + Describe(key) + ": no ETag");
  return *etag;
}

Result<ObjectInfo> S3Client::CompleteMultipartUpload(const std::string& key,
                                                     const std::string& upload_id,
                                                     const std::vector<CompletedPart>& parts) {
  std::string body = "<CompleteMultipartUpload>";
  for (const CompletedPart& p : parts) {
    body += "<Part><PartNumber>" + std::to_string(p.part_number) + "</PartNumber><ETag>" +
            XmlEscape(p.etag) + "</ETag></Part>";
  }
  body += "</CompleteMultipartUpload>";
  Call c{"CompleteMultipartUpload",
         "POST",
         key,
         {{"uploadId", upload_id}},
         {{"Content-Type", "application/xml"}},
         body};
  SLUICE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(c));
  // S3 may answer 200 and still report an error in the body.
  auto doc = ParseXml(resp.body);
  if (doc.ok() && doc->name == "Error") {
    resp.status_code = 500;
    return AwsErrorToStatus(ParseAwsError(resp), "CompleteMultipartUpload", Describe(key));
  }
  ObjectInfo info;
  info.key = key;
  if (doc.ok()) info.etag = Unquote(doc->ChildText("ETag"));
  return info;
}

Status S3Client::AbortMultipartUpload(const std::string& key, const std::string& upload_id) {
  Call c{"AbortMultipartUpload", "DELETE", key, {{"uploadId", upload_id}}, {}, {}};
  return Execute(c).status();
}

}  // namespace sluice::cloud
