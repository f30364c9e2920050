// S3Client: ObjectStore over the S3 REST API (PutObject, GetObject, HeadObject, DeleteObject,
// ListObjectsV2, multipart upload), signed with SigV4. Virtual-hosted or path-style
// addressing, regional endpoints or an endpoint override for S3-compatible stores.
#pragma once

#include <memory>
#include <string>

#include "cloud/aws/credentials.h"
#include "cloud/aws/sigv4_signer.h"
#include "cloud/http/http_client.h"
#include "cloud/object_store.h"
#include "cloud/retry.h"
#include "cloud/s3/multipart_upload.h"

namespace sluice::cloud {

struct S3ClientOptions {
  std::string region = "us-east-1";
  // "http(s)://host[:port]" of an S3-compatible store (AWS_ENDPOINT_URL_S3); empty means
  // https://s3.<region>.amazonaws.com.
  std::string endpoint;
  // <endpoint>/<bucket>/<key> instead of <bucket>.<endpoint>/<key>. Path style is used
  // regardless for buckets with '.' over https (their virtual host would not match the
  // certificate) and for endpoints whose host is an IP address or localhost (no name
  // <bucket>.<host> resolves there).
  bool path_style = false;
  MultipartOptions multipart;
  RetryOptions retry;
};

// Thread-safe. `http`, `credentials` and `clock` are borrowed and must outlive the client.
class S3Client final : public ObjectStore, public MultipartTarget {
 public:
  S3Client(std::string bucket, S3ClientOptions options, HttpClient& http,
           CredentialsProvider& credentials, Clock& clock);

  Status Put(const std::string& key, std::string_view bytes) override;
  Result<std::unique_ptr<ObjectWriter>> NewWriter(const std::string& key) override;
  Result<std::string> Get(const std::string& key) override;
  Result<ObjectInfo> Head(const std::string& key) override;
  Status Delete(const std::string& key) override;
  Result<ListPage> List(const std::string& prefix, const std::string& page_token,
                        int max_keys) override;
  std::string Describe(const std::string& key) const override;

  // MultipartTarget.
  Status PutObject(const std::string& key, std::string_view bytes) override;
  Result<std::string> CreateMultipartUpload(const std::string& key) override;
  Result<std::string> UploadPart(const std::string& key, const std::string& upload_id,
                                 int part_number, std::string_view bytes) override;
  Result<ObjectInfo> CompleteMultipartUpload(const std::string& key, const std::string& upload_id,
                                             const std::vector<CompletedPart>& parts) override;
  Status AbortMultipartUpload(const std::string& key, const std::string& upload_id) override;

  const std::string& bucket() const { return bucket_; }

 private:
  struct Call {
    const char* operation;  // "PutObject", for messages
    std::string method;
    std::string key;  // empty for bucket-level calls
    QueryParams query;
    HttpHeaders headers;
    std::string_view body;
  };
  // Signs, sends, retries per options_.retry, refreshes credentials once on ExpiredToken and
  // maps error responses through AwsErrorToStatus.
  Result<HttpResponse> Execute(const Call& call);
  Result<HttpResponse> Attempt(const Call& call, const std::string& payload_hash);
  // Scheme+authority and the path (unencoded) of a key under the addressing in use.
  void Address(const std::string& key, std::string& base, std::string& host,
               std::string& path) const;

  const std::string bucket_;
  const S3ClientOptions options_;
  HttpClient& http_;
  CredentialsProvider& credentials_;
  Clock& clock_;
  SigV4Signer signer_;
  RetryPolicy retry_;
};

}  // namespace sluice::cloud
