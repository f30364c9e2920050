// GcsClient: ObjectStore over the Cloud Storage JSON API (objects.insert as a media upload or a
// resumable upload session, objects.get with alt=media, objects.get for metadata,
// objects.delete, objects.list), authorised with OAuth 2.0 bearer tokens.
#pragma once

#include <memory>
#include <string>

#include "cloud/gcp/resumable_upload.h"
#include "cloud/http/http_client.h"
#include "cloud/oauth/access_token.h"
#include "cloud/object_store.h"
#include "cloud/retry.h"

namespace sluice::cloud {

struct GcsClientOptions {
  // "https://storage.googleapis.com", or an emulator (GcpSettings::storage_endpoint).
  std::string endpoint = "https://storage.googleapis.com";
  ResumableOptions upload;
  RetryOptions retry;
};

// Thread-safe. `http`, `tokens` and `clock` are borrowed and must outlive the client.
class GcsClient final : public ObjectStore, public ResumableTarget {
 public:
  GcsClient(std::string bucket, GcsClientOptions options, HttpClient& http, TokenProvider& tokens,
            Clock& clock);

  Status Put(const std::string& key, std::string_view bytes) override;
  Result<std::unique_ptr<ObjectWriter>> NewWriter(const std::string& key) override;
  Result<std::string> Get(const std::string& key) override;
  Result<ObjectInfo> Head(const std::string& key) override;
  Status Delete(const std::string& key) override;
  Result<ListPage> List(const std::string& prefix, const std::string& page_token,
                        int max_keys) override;
  // "gs://<bucket>/<key>".
  std::string Describe(const std::string& key) const override;

  // ResumableTarget.
  Result<SessionState> UploadWhole(const std::string& key, std::string_view bytes) override;
  Result<std::string> StartSession(const std::string& key) override;
  Result<SessionState> SendChunk(const std::string& session, int64_t offset, std::string_view bytes,
                                 int64_t total) override;
  Result<SessionState> QuerySession(const std::string& session) override;
  Status CancelSession(const std::string& session) override;

 private:
  struct Call {
    const char* operation;  // "objects.insert", for messages
    std::string method;
    std::string url;
    std::string key;    // for messages
    bool bucket_level;  // a 404 means the bucket is missing
    HttpHeaders headers;
    std::string_view body;
  };
  // Adds the bearer token, sends, retries per options_.retry, asks for a fresh token once after
  // a 401, and maps error answers through GoogleErrorToStatus.
  Result<HttpResponse> Execute(const Call& call);
  // A session answer: 308 with its Range, or 200/201 with the object.
  Result<SessionState> SessionAnswer(const Result<HttpResponse>& resp, const char* operation,
                                     const std::string& key);
  std::string ObjectUrl(const std::string& key) const;

  const std::string bucket_;
  const GcsClientOptions options_;
  HttpClient& http_;
  TokenProvider& tokens_;
  RetryPolicy retry_;
};

}  // namespace sluice::cloud
