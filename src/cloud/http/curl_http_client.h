// CurlHttpClient: HttpClient over libcurl. TLS peer and host verification stay on, proxy
// environment variables (HTTPS_PROXY, NO_PROXY, ...) are honoured as libcurl does by default,
// and connections are reused through a small pool of easy handles.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "cloud/http/http_client.h"

namespace sluice::cloud {

// The one adapter from libcurl's result codes to Status. `code` is a CURLcode; `detail` is
// libcurl's error buffer (may be empty). Timeouts map to kDeadlineExceeded; refused, reset
// and unresolvable connections and other transient transport failures to kUnavailable;
// malformed URLs to kInvalidArgument; TLS verification failures to kFailedPrecondition.
Status CurlError(int code, std::string_view detail);

// Thread-safe. Each call borrows one easy handle from the pool (creating one when all are
// busy) and returns it afterwards so the next call can reuse its open connections.
class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(HttpClientOptions options = {});
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  Result<HttpResponse> Send(const HttpRequest& request) override;
  Result<HttpResponse> SendWithTimeout(const HttpRequest& request, int64_t timeout_ms) override;

 private:
  struct Handle;
  std::unique_ptr<Handle> Acquire();
  void Release(std::unique_ptr<Handle> handle);
  Result<HttpResponse> Perform(Handle& handle, const HttpRequest& request,
                               const HttpClientOptions& options);

  const HttpClientOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Handle>> idle_;  // guarded by mu_
};

}  // namespace sluice::cloud
