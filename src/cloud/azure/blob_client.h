// AzureBlobClient: ObjectStore over the Azure Blob Storage REST API for block blobs: Put Blob,
// Put Block and Put Block List (the large-object path, through MultipartWriter), Get Blob, Get
// Blob Properties, Delete Blob and List Blobs. Every request carries x-ms-version and x-ms-date
// and is authorised by a BlobAuthorizer; bodies carry Content-MD5, which the service checks.
#pragma once

#include <memory>
#include <string>

#include "cloud/azure/blob_auth.h"
#include "cloud/http/http_client.h"
#include "cloud/object_store.h"
#include "cloud/retry.h"
#include "cloud/s3/multipart_upload.h"

namespace sluice::cloud {

// Block blob limits (service version 2019-12-12 and later).
inline constexpr int kMaxBlocksPerBlob = 50'000;
inline constexpr int64_t kMaxBlockSizeBytes = 4000LL * 1024 * 1024;
// The REST API version sluice speaks; Azurite and every current Azure region accept it.
inline constexpr char kBlobApiVersion[] = "2021-12-02";

struct AzureBlobOptions {
  // Where requests go (BlobEndpoint in azure_settings.h): the account's endpoint, or an
  // emulator's "http://127.0.0.1:10000/devstoreaccount1"; requests are
  // "<endpoint>/<container>/<blob>".
  std::string endpoint;
  // Objects above blocks.threshold_bytes are uploaded as blocks of blocks.part_size_bytes
  // (default 8 MiB) and committed with Put Block List.
  MultipartOptions blocks{16LL * 1024 * 1024, 8LL * 1024 * 1024, 1024 * 1024, kMaxBlockSizeBytes,
                          kMaxBlocksPerBlob};
  RetryOptions retry;
};

// Thread-safe. `http`, `auth` and `clock` are borrowed and must outlive the client.
//
// Large objects: each block's id is derived from its number ("sluiceblock-000001", base64), and
// Put Block List names them as <Latest>, so repeating the commit after a lost answer, or writing
// the same key again after a crash, commits exactly the blocks this writer sent. Uncommitted
// blocks of an aborted upload cannot be deleted on their own; the service discards them after
// a week, or at the next commit of that blob.
class AzureBlobClient final : public ObjectStore, public MultipartTarget {
 public:
  AzureBlobClient(std::string account, std::string container, AzureBlobOptions options,
                  HttpClient& http, BlobAuthorizer& auth, Clock& clock);

  Status Put(const std::string& key, std::string_view bytes) override;
  Result<std::unique_ptr<ObjectWriter>> NewWriter(const std::string& key) override;
  Result<std::string> Get(const std::string& key) override;
  Result<ObjectInfo> Head(const std::string& key) override;
  Status Delete(const std::string& key) override;
  Result<ListPage> List(const std::string& prefix, const std::string& page_token,
                        int max_keys) override;
  // "az://<account>/<container>/<key>".
  std::string Describe(const std::string& key) const override;

  // MultipartTarget: Put Blob; no call (blocks need no session); Put Block; Put Block List;
  // nothing to abort.
  Status PutObject(const std::string& key, std::string_view bytes) override;
  Result<std::string> CreateMultipartUpload(const std::string& key) override;
  Result<std::string> UploadPart(const std::string& key, const std::string& upload_id,
                                 int part_number, std::string_view bytes) override;
  Result<ObjectInfo> CompleteMultipartUpload(const std::string& key, const std::string& upload_id,
                                             const std::vector<CompletedPart>& parts) override;
  Status AbortMultipartUpload(const std::string& key, const std::string& upload_id) override;

  // The base64 block id of block `number` (1-based).
  static std::string BlockId(int number);

 private:
  struct Call {
    const char* operation;  // "PutBlock", for messages
    std::string method;
    std::string key;  // empty for container-level calls
    QueryParams query;
    HttpHeaders headers;
    std::string_view body;
  };
  // Authorises, sends, retries per options_.retry, asks for a fresh token once when the
  // service refused one, and maps error answers through AzureErrorToStatus.
  Result<HttpResponse> Execute(const Call& call);
  Result<HttpResponse> Attempt(const Call& call, const std::string& content_md5);

  const std::string account_;
  const std::string container_;
  const AzureBlobOptions options_;
  HttpClient& http_;
  BlobAuthorizer& auth_;
  Clock& clock_;
  RetryPolicy retry_;
  std::string base_;         // scheme://authority of the endpoint
  std::string path_prefix_;  // the endpoint's own path ("" or "/devstoreaccount1")
};

}  // namespace sluice::cloud
