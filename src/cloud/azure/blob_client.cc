#include "cloud/azure/blob_client.h"

#include <cstdio>
#include <cstring>

#include "cloud/azure/azure_errors.h"
#include "cloud/xml/xml_reader.h"
#include "common/base64.h"
#include "common/crypto.h"
#include "common/time_util.h"

namespace sluice::cloud {
namespace {

BodyReader ReaderOver(std::string_view body) {
  auto offset = std::make_shared<size_t>(0);
  return [offset, body](char* buf, size_t len) {
    const size_t n = std::min(len, body.size() - *offset);
    std::memcpy(buf, body.data() + *offset, n);
    *offset += n;
    return n;
  };
}

ObjectInfo InfoFromHeaders(const std::string& key, const HttpHeaders& headers) {
  ObjectInfo info;
  info.key = key;
  if (const std::string* len = FindHeader(headers, "Content-Length")) {
    info.size_bytes = std::strtoll(len->c_str(), nullptr, 10);
  }
  if (const std::string* etag = FindHeader(headers, "ETag")) info.etag = *etag;
  if (const std::string* lm = FindHeader(headers, "Last-Modified")) {
    info.last_modified = ParseHttpDate(*lm);
  }
  return info;
}

}  // namespace

AzureBlobClient::AzureBlobClient(std::string account, std::string container,
                                 AzureBlobOptions options, HttpClient& http, BlobAuthorizer& auth,
                                 Clock& clock)
    : account_(std::move(account)),
      container_(std::move(container)),
      options_(std::move(options)),
      http_(http),
      auth_(auth),
      clock_(clock),
      retry_(options_.retry, clock) {
  const size_t sep = options_.endpoint.find("://");
  const size_t slash = options_.endpoint.find('/', sep == std::string::npos ? 0 : sep + 3);
  base_ = options_.endpoint.substr(0, slash);
  if (slash != std::string::npos) path_prefix_ = options_.endpoint.substr(slash);
  while (path_prefix_.ends_with('/')) path_prefix_.pop_back();
}

std::string AzureBlobClient::Describe(const std::string& key) const {
  const std::string root = "az://" + account_ + "/" + container_;
  return key.empty() ? root : root + "/" + key;
}

std::string AzureBlobClient::BlockId(int number) {
  char raw[32];
  std::snprintf(raw, sizeof(raw), "sluiceblock-%06d", number);
  return Base64Encode(raw);
}

Result<HttpResponse> AzureBlobClient::Attempt(const Call& call, const std::string& content_md5) {
  BlobRequestToSign r;
  r.method = call.method;
  r.account = account_;
  r.encoded_path = path_prefix_ + "/" + container_;
  if (!call.key.empty()) r.encoded_path += "/" + UriEncode(call.key, /*encode_slash=*/false);
  r.query = call.query;
  r.headers = call.headers;
  r.headers.emplace_back("x-ms-date", FormatHttpDate(clock_.NowMicros()));
  r.headers.emplace_back("x-ms-version", kBlobApiVersion);
  if (!content_md5.empty()) r.headers.emplace_back("Content-MD5", content_md5);
  r.content_length = static_cast<int64_t>(call.body.size());
  SLUICE_RETURN_IF_ERROR(auth_.Authorize(r));

  HttpRequest req;
  req.method = call.method;
  req.url = base_ + r.encoded_path;
  const std::string qs = EncodeQuery(r.query);
  if (!qs.empty()) req.url += "?" + qs;
  req.headers = std::move(r.headers);
  if (!call.body.empty()) {
    req.body_reader = ReaderOver(call.body);
    req.body_length = static_cast<int64_t>(call.body.size());
  }
  return http_.Send(req);
}

Result<HttpResponse> AzureBlobClient::Execute(const Call& call) {
  const std::string content_md5 =
      call.body.empty() ? std::string() : Base64Encode(AsStringView(Md5(call.body)));
  HttpResponse out;
  bool refreshed = false;
  Status st = retry_.Run([&]() -> Status {
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(HttpResponse resp, Attempt(call, content_md5));
      if (resp.status_code >= 200 && resp.status_code < 300) {
        out = std::move(resp);
        return Status();
      }
      const AzureError err = ParseAzureError(resp);
      if (IsRefusedTokenError(err) && !refreshed && auth_.Invalidate()) {
        // The token ran out or was revoked: fetch a fresh one once and try again at once.
        refreshed = true;
        continue;
      }
      return AzureErrorToStatus(err, call.operation, Describe(call.key));
    }
  });
  if (!st.ok()) return st;
  return out;
}

Status AzureBlobClient::Put(const std::string& key, std::string_view bytes) {
  if (static_cast<int64_t>(bytes.size()) <= options_.blocks.threshold_bytes) {
    return PutObject(key, bytes);
  }
  MultipartWriter writer(*this, key, options_.blocks);
  SLUICE_RETURN_IF_ERROR(writer.Write(bytes));
  return writer.Finish().status();
}

Status AzureBlobClient::PutObject(const std::string& key, std::string_view bytes) {
  Call c{"PutBlob", "PUT", key, {}, {{"x-ms-blob-type", "BlockBlob"}}, bytes};
  return Execute(c).status();
}

Result<std::unique_ptr<ObjectWriter>> AzureBlobClient::NewWriter(const std::string& key) {
  if (key.empty()) return InvalidArgumentError("empty object key");
  return std::unique_ptr<ObjectWriter>(
      std::make_unique<MultipartWriter>(*this, key, options_.blocks));
}

Result<std::string> AzureBlobClient::CreateMultipartUpload(const std::string& key) {
  (void)key;
  return std::string("blocks");
}

Result<std::string> AzureBlobClient::UploadPart(const std::string& key,
                                                const std::string& upload_id, int part_number,
                                                std::string_view bytes) {
  (void)upload_id;
  std::string id = BlockId(part_number);
  Call c{"PutBlock", "PUT", key, {{"comp", "block"}, {"blockid", id}}, {}, bytes};
  SLUICE_RETURN_IF_ERROR(Execute(c).status());
  return id;
}

Result<ObjectInfo> AzureBlobClient::CompleteMultipartUpload(
    const std::string& key, const std::string& upload_id, const std::vector<CompletedPart>& parts) {
  (void)upload_id;
  std::string body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
  for (const CompletedPart& p : parts) body += "<Latest>" + XmlEscape(p.etag) + "</Latest>";
  body += "</BlockList>";
  Call c{"PutBlockList", "PUT", key, {{"comp", "blocklist"}}, {}, body};
  SLUICE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(c));
  ObjectInfo info;
  info.key = key;
  if (const std::string* etag = FindHeader(resp.headers, "ETag")) info.etag = *etag;
  return info;
}

Status AzureBlobClient::AbortMultipartUpload(const std::string& key, const std::string& upload_id) {
  (void)key;
  (void)upload_id;
  return Status();
}

Result<std::string> AzureBlobClient::Get(const std::string& key) {
  Call c{"GetBlob", "GET", key, {}, {}, {}};
  SLUICE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(c));
  return std::move(resp.body);
}

Result<ObjectInfo> AzureBlobClient::Head(const std::string& key) {
  Call c{"GetBlobProperties", "HEAD", key, {}, {}, {}};
  SLUICE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(c));
  return InfoFromHeaders(key, resp.headers);
}

Status AzureBlobClient::Delete(const std::string& key) {
  Call c{"DeleteBlob", "DELETE", key, {}, {}, {}};
  Status s = Execute(c).status();
  if (StorageErrorOf(s) == StorageError::kObjectNotFound) return Status();
  return s;
}

Result<ListPage> AzureBlobClient::List(const std::string& prefix, const std::string& page_token,
                                       int max_keys) {
  Call c{"ListBlobs", "GET", "", {{"restype", "container"}, {"comp", "list"}}, {}, {}};
  c.query.emplace_back("maxresults", std::to_string(max_keys));
  if (!prefix.empty()) c.query.emplace_back("prefix", prefix);
  if (!page_token.empty()) c.query.emplace_back("marker", page_token);
  SLUICE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(c));
  SLUICE_ASSIGN_OR_RETURN(XmlElement doc, ParseXml(resp.body));
  ListPage page;
  if (const XmlElement* blobs = doc.Child("Blobs")) {
    for (const XmlElement* b : blobs->Children("Blob")) {
      ObjectInfo o;
      o.key = b->ChildText("Name");
      if (const XmlElement* p = b->Child("Properties")) {
        o.size_bytes = std::strtoll(p->ChildText("Content-Length").c_str(), nullptr, 10);
        o.etag = p->ChildText("Etag");
        o.last_modified = ParseHttpDate(p->ChildText("Last-Modified"));
      }
      page.objects.push_back(std::move(o));
    }
  }
  page.next_page_token = doc.ChildText("NextMarker");
  return page;
}

}  // namespace sluice::cloud
