// SdkHandlers: the requests the Braintrust SDKs make, so that an application logging with them
// works against sluice with only BRAINTRUST_APP_URL, BRAINTRUST_API_URL and BRAINTRUST_API_KEY
// set: login (`/api/apikey/login`), registration of projects, experiments and datasets
// (`/api/...`), `/version`, `/ping`, the row writes (`/logs3`, with payloads too large for one
// request uploaded first through `/logs3/overflow`), attachments and experiment summaries
// (`/experiment-comparison2`). Shapes follow what the SDKs send and read (docs/api.md). Uploads
// go to sluice itself through short-lived signed URLs and are kept in a blob store.
// Thread-safe.
#pragma once

#include <string>

#include "api/api_types.h"
#include "api/authenticator.h"
#include "api/metrics.h"
#include "api/signed_url.h"
#include "cloud/object_store.h"
#include "common/clock.h"
#include "jobs/attachment_store.h"
#include "model/logs3_request.h"
#include "store/store.h"

namespace sluice::api {

struct SdkOptions {
  // The URL clients reach this server at ("https://sluice.example.com"), handed to the SDKs as
  // their API URL and used in upload and download URLs. Empty: the scheme
  // (X-Forwarded-Proto, else http) and Host header of each request.
  std::string public_url;
  // Largest /logs3 body the SDKs send directly (advertised by GET /version); larger batches are
  // uploaded through /logs3/overflow. At most the server's body limit.
  int64_t logs3_payload_max_bytes = 32ll << 20;
  // How long upload and download URLs stay valid.
  int64_t signed_url_ttl_seconds = 3600;
  // Overflow payloads are deleted this long after their upload.
  int64_t overflow_keep_seconds = 24 * 3600;
};

class SdkHandlers {
 public:
  // REQUIRES: every reference outlives the handlers. `blobs` holds overflow payloads
  // ("overflow/<org>/<key>"); `attachments` the SDKs' attachments.
  SdkHandlers(store::Store& store, Clock& clock, Metrics& metrics, Authenticator& auth,
              cloud::ObjectStore& blobs, jobs::AttachmentStore& attachments,
              const UrlSigner& signer, SdkOptions options)
      : store_(store),
        clock_(clock),
        metrics_(metrics),
        auth_(auth),
        blobs_(blobs),
        attachments_(attachments),
        signer_(signer),
        options_(std::move(options)) {}

  // Catalog (sdk_catalog.cc).
  Result<ApiResponse> Login(const ApiRequest& r);
  Result<ApiResponse> Version(const ApiRequest& r);
  Result<ApiResponse> RegisterProject(const ApiRequest& r);
  Result<ApiResponse> GetProject(const ApiRequest& r);
  Result<ApiResponse> RegisterExperiment(const ApiRequest& r);
  Result<ApiResponse> GetExperiments(const ApiRequest& r);
  Result<ApiResponse> BaseExperiment(const ApiRequest& r);
  Result<ApiResponse> RegisterDataset(const ApiRequest& r);
  Result<ApiResponse> ObjectInfo(const ApiRequest& r);
  // Rows (sdk_logs3.cc).
  Result<ApiResponse> Logs3(const ApiRequest& r);
  Result<ApiResponse> Logs3Overflow(const ApiRequest& r);
  // Uploads and downloads through signed URLs, and attachments (sdk_blobs.cc).
  // path_params: {kind (overflow|attachment), org id, key}.
  Result<ApiResponse> PutBlob(const ApiRequest& r);
  Result<ApiResponse> GetBlob(const ApiRequest& r);
  Result<ApiResponse> CreateAttachment(const ApiRequest& r);
  Result<ApiResponse> AttachmentStatus(const ApiRequest& r);
  Result<ApiResponse> GetAttachment(const ApiRequest& r);
  // `GET /experiment-comparison2` (sdk_summary.cc).
  Result<ApiResponse> CompareExperiments(const ApiRequest& r);

 private:
  // The base of URLs handed to clients (options_.public_url, or from the request).
  Result<std::string> BaseUrl(const ApiRequest& r) const;
  // The project named by id or name in a registration body; created when absent and `create`.
  Result<model::Project> ResolveProject(const Caller& caller, const Json& body,
                                        model::Permission needed, bool create);
  // kNotFound unless `org_id` (when given) is the caller's org.
  Status CheckOrg(const Caller& caller, const Json& body) const;
  // Writes the rows of a parsed /logs3 request in one transaction.
  Result<ApiResponse> WriteRows(const Caller& caller, model::Logs3Request request);
  // A signed URL for `method` on the blob `kind/org/key`.
  Result<std::string> BlobUrl(const ApiRequest& r, const std::string& method,
                              const std::string& kind, const std::string& org,
                              const std::string& key) const;
  // Deletes overflow payloads older than options_.overflow_keep_seconds (best effort).
  void SweepOverflow(const std::string& org);

  store::Store& store_;
  Clock& clock_;
  Metrics& metrics_;
  Authenticator& auth_;
  cloud::ObjectStore& blobs_;
  jobs::AttachmentStore& attachments_;
  const UrlSigner& signer_;
  SdkOptions options_;
};

}  // namespace sluice::api
