#include "cloud/gcp/gcs_client.h"

#include <cstring>

#include "cloud/gcp/google_errors.h"
#include "common/json.h"
#include "common/time_util.h"

namespace sluice::cloud {
namespace {

std::string Text(const Json& doc, std::string_view key) {
  const Json* v = doc.Find(key);
  return v != nullptr && v->is_string() ? v->string_value() : std::string();
}

// An object resource (size is a decimal string in the JSON API).
ObjectInfo ObjectFromJson(const Json& doc) {
  ObjectInfo o;
  o.key = Text(doc, "name");
  o.size_bytes = std::strtoll(Text(doc, "size").c_str(), nullptr, 10);
  o.etag = Text(doc, "etag");
  auto updated = ParseRfc3339(Text(doc, "updated"));
  if (updated.ok()) o.last_modified = *updated;
  return o;
}

BodyReader ReaderOver(std::string_view body) {
  auto offset = std::make_shared<size_t>(0);
  return [offset, body](char* buf, size_t len) {
    const size_t n = std::min(len, body.size() - *offset);
    std::memcpy(buf, body.data() + *offset, n);
    *offset += n;
    return n;
  };
}

// "bytes=0-N" -> N + 1; no header -> 0.
int64_t PersistedFromRange(const HttpHeaders& headers) {
  const std::string* range = FindHeader(headers, "Range");
  if (range == nullptr) return 0;
  const size_t dash = range->find('-');
  if (dash == std::string::npos) return 0;
  return std::strtoll(range->c_str() + dash + 1, nullptr, 10) + 1;
}

}  // namespace

GcsClient::GcsClient(std::string bucket, GcsClientOptions options, HttpClient& http,
                     TokenProvider& tokens, Clock& clock)
    : bucket_(std::move(bucket)),
      options_(std::move(options)),
      http_(http),
      tokens_(tokens),
      retry_(options_.retry, clock) {}

std::string GcsClient::Describe(const std::string& key) const {
  return key.empty() ? "gs://" + bucket_ : "gs://" + bucket_ + "/" + key;
}

std::string GcsClient::ObjectUrl(const std::string& key) const {
  return options_.endpoint + "/storage/v1/b/" + UriEncode(bucket_) + "/o/" + UriEncode(key);
}

Result<HttpResponse> GcsClient::Execute(const Call& call) {
  HttpResponse out;
  bool refreshed = false;
  Status st = retry_.Run([&]() -> Status {
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(AccessToken token, tokens_.GetToken());
      HttpRequest req;
      req.method = call.method;
      req.url = call.url;
      req.headers = call.headers;
      req.headers.emplace_back("Authorization", "Bearer " + token.token);
      if (!call.body.empty()) {
        req.body_reader = ReaderOver(call.body);
        req.body_length = static_cast<int64_t>(call.body.size());
      }
      SLUICE_ASSIGN_OR_RETURN(HttpResponse resp, http_.Send(req));
      if (resp.status_code >= 200 && resp.status_code < 300) {
        out = std::move(resp);
        return Status();
      }
      if (resp.status_code == 401 && !refreshed) {
        // The token ran out or was revoked: fetch a fresh one once and try again at once.
        refreshed = true;
        tokens_.Invalidate();
        continue;
      }
      return GoogleErrorToStatus(ParseGoogleError(resp), call.operation, Describe(call.key),
                                 call.bucket_level);
    }
  });
  if (!st.ok()) return st;
  return out;
}

Status GcsClient::Put(const std::string& key, std::string_view bytes) {
  SLUICE_ASSIGN_OR_RETURN(auto writer, NewWriter(key));
  SLUICE_RETURN_IF_ERROR(writer->Write(bytes));
  return writer->Finish().status();
}

Result<std::unique_ptr<ObjectWriter>> GcsClient::NewWriter(const std::string& key) {
  if (key.empty()) return InvalidArgumentError("empty object key");
  return std::unique_ptr<ObjectWriter>(
      std::make_unique<ResumableWriter>(*this, retry_, key, Describe(key), options_.upload));
}

Result<SessionState> GcsClient::UploadWhole(const std::string& key, std::string_view bytes) {
  Call c{"objects.insert",
         "POST",
         options_.endpoint + "/upload/storage/v1/b/" + UriEncode(bucket_) +
             "/o?uploadType=media&name=" + UriEncode(key),
         key,
         true,
         {{"Content-Type", "application/octet-stream"}},
         bytes};
  SLUICE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(c));
  return SessionAnswer(resp, "objects.insert", key);
}

Result<std::string> GcsClient::StartSession(const std::string& key) {
  Call c{"objects.insert (resumable)",
         "POST",
         options_.endpoint + "/upload/storage/v1/b/" + UriEncode(bucket_) +
             "/o?uploadType=resumable&name=" + UriEncode(key),
         key,
         true,
         {{"X-Upload-Content-Type", "application/octet-stream"}},
         {}};
  SLUICE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(c));
  const std::string* location = FindHeader(resp.headers, "Location");
  if (location == nullptr || location->empty()) {
    return UnavailableError("starting the upload of " + Describe(key) +
                            ": the answer has no session URI");
  }
  return *location;
}

Result<SessionState> GcsClient::SessionAnswer(const Result<HttpResponse>& resp,
                                              const char* operation, const std::string& key) {
  if (!resp.ok()) return resp.status().WithContext(std::string(operation) + " " + Describe(key));
  SessionState s;
  if (resp->status_code == 308) {
    s.persisted_bytes = PersistedFromRange(resp->headers);
    return s;
  }
  if (resp->status_code == 200 || resp->status_code == 201) {
    s.complete = true;
    auto doc = Json::Parse(resp->body);
    if (doc.ok() && doc->is_object()) {
      s.object = ObjectFromJson(*doc);
      s.md5_base64 = Text(*doc, "md5Hash");
    }
    return s;
  }
  // 404 or 410: the session expired or was cancelled, and cannot be resumed.
  return GoogleErrorToStatus(ParseGoogleError(*resp), operation, Describe(key), false);
}

Result<SessionState> GcsClient::SendChunk(const std::string& session, int64_t offset,
                                          std::string_view bytes, int64_t total) {
  HttpRequest req;
  req.method = "PUT";
  req.url = session;
  const int64_t end = offset + static_cast<int64_t>(bytes.size());
  std::string range = bytes.empty()
                          ? "bytes */"
                          : "bytes " + std::to_string(offset) + "-" + std::to_string(end - 1) + "/";
  range += total >= 0 ? std::to_string(total) : "*";
  req.headers = {{"Content-Range", range}};
  if (!bytes.empty()) {
    req.body_reader = ReaderOver(bytes);
    req.body_length = static_cast<int64_t>(bytes.size());
  }
  return SessionAnswer(http_.Send(req), "upload chunk", "");
}

Result<SessionState> GcsClient::QuerySession(const std::string& session) {
  HttpRequest req;
  req.method = "PUT";
  req.url = session;
  req.headers = {{"Content-Range", "bytes */*"}};
  return SessionAnswer(http_.Send(req), "upload status", "");
}

Status GcsClient::CancelSession(const std::string& session) {
  HttpRequest req;
  req.method = "DELETE";
  req.url = session;
  // Cloud Storage answers 499 to a cancelled session; any answer means it is gone.
  return http_.Send(req).status();
}

Result<std::string> GcsClient::Get(const std::string& key) {
  Call c{"objects.get", "GET", ObjectUrl(key) + "?alt=media", key, false, {}, {}};
  SLUICE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(c));
  return std::move(resp.body);
}

Result<ObjectInfo> GcsClient::Head(const std::string& key) {
  Call c{"objects.get", "GET", ObjectUrl(key), key, false, {}, {}};
  SLUICE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(c));
  auto doc = Json::Parse(resp.body);
  if (!doc.ok() || !doc->is_object()) {
    return UnavailableError("objects.get " + Describe(key) + ": the answer is not JSON");
  }
  return ObjectFromJson(*doc);
}

Status GcsClient::Delete(const std::string& key) {
  Call c{"objects.delete", "DELETE", ObjectUrl(key), key, false, {}, {}};
  Status s = Execute(c).status();
  if (StorageErrorOf(s) == StorageError::kObjectNotFound) return Status();
  return s;
}

Result<ListPage> GcsClient::List(const std::string& prefix, const std::string& page_token,
                                 int max_keys) {
  QueryParams q{{"maxResults", std::to_string(max_keys)}};
  if (!prefix.empty()) q.emplace_back("prefix", prefix);
  if (!page_token.empty()) q.emplace_back("pageToken", page_token);
  Call c{"objects.list",
         "GET",
         options_.endpoint + "/storage/v1/b/" + UriEncode(bucket_) + "/o?" + EncodeQuery(q),
         "",
         true,
         {},
         {}};
  SLUICE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(c));
  auto doc = Json::Parse(resp.body);
  if (!doc.ok() || !doc->is_object()) {
    return UnavailableError("objects.list " + Describe("") + ": the answer is not JSON");
  }
  ListPage page;
  if (const Json* items = doc->Find("items"); items != nullptr && items->is_array()) {
    for (const Json& item : items->array()) page.objects.push_back(ObjectFromJson(item));
  }
  page.next_page_token = Text(*doc, "nextPageToken");
  return page;
}

}  // namespace sluice::cloud
