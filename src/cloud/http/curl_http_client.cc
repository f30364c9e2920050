#include "cloud/http/curl_http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>

namespace sluice::cloud {
namespace {

// Handles idle in the pool beyond this many are closed instead of kept.
constexpr size_t kMaxIdleHandles = 8;

void GlobalInitOnce() {
  // libcurl requires one process-wide initialisation before any handle is created.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct TransferState {
  const HttpRequest* request = nullptr;
  size_t body_offset = 0;
  HttpResponse* response = nullptr;
};

size_t ReadBody(char* buf, size_t size, size_t nitems, void* userdata) {
  auto* state = static_cast<TransferState*>(userdata);
  const size_t len = size * nitems;
  if (state->request->body_reader) return state->request->body_reader(buf, len);
  const std::string& body = state->request->body;
  const size_t n = std::min(len, body.size() - state->body_offset);
  std::memcpy(buf, body.data() + state->body_offset, n);
  state->body_offset += n;
  return n;
}

size_t WriteBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* state = static_cast<TransferState*>(userdata);
  state->response->body.append(ptr, size * nmemb);
  return size * nmemb;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

size_t WriteHeader(char* ptr, size_t size, size_t nitems, void* userdata) {
  auto* state = static_cast<TransferState*>(userdata);
  std::string_view line(ptr, size * nitems);
  // A new status line (after "100 Continue" or a redirect) starts a fresh header block.
  if (line.starts_with("HTTP/")) {
    state->response->headers.clear();
    return line.size();
  }
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    state->response->headers.emplace_back(std::string(Trim(line.substr(0, colon))),
                                          std::string(Trim(line.substr(colon + 1))));
  }
  return line.size();
}

}  // namespace

Status CurlError(int code, std::string_view detail) {
  const auto c = static_cast<CURLcode>(code);
  std::string message = "HTTP transport: ";
  message += curl_easy_strerror(c);
  if (!detail.empty()) {
    message += " (";
    message += detail;
    message += ")";
  }
  switch (c) {
    case CURLE_OK: return Status();
    case CURLE_OPERATION_TIMEDOUT: return DeadlineExceededError(std::move(message));
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_FUNCTION_ARGUMENT: return InvalidArgumentError(std::move(message));
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM: return FailedPreconditionError(std::move(message));
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_READ_ERROR: return AbortedError(std::move(message));
    case CURLE_OUT_OF_MEMORY: return ResourceExhaustedError(std::move(message));
    default:
      // Refused, reset, DNS, partial transfers, send/receive failures: a retry may succeed.
      return UnavailableError(std::move(message));
  }
}

struct CurlHttpClient::Handle {
  CURL* curl = nullptr;
  curl_slist* headers = nullptr;
  char error[CURL_ERROR_SIZE] = {0};
  ~Handle() {
    if (headers) curl_slist_free_all(headers);
    if (curl) curl_easy_cleanup(curl);
  }
};

CurlHttpClient::CurlHttpClient(HttpClientOptions options) : options_(std::move(options)) {
  GlobalInitOnce();
}

CurlHttpClient::~CurlHttpClient() = default;

std::unique_ptr<CurlHttpClient::Handle> CurlHttpClient::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto h = std::move(idle_.back());
      idle_.pop_back();
      return h;
    }
  }
  auto h = std::make_unique<Handle>();
  h->curl = curl_easy_init();
  return h;
}

void CurlHttpClient::Release(std::unique_ptr<Handle> handle) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < kMaxIdleHandles) idle_.push_back(std::move(handle));
}

Result<HttpResponse> CurlHttpClient::Send(const HttpRequest& request) {
  auto handle = Acquire();
  if (handle->curl == nullptr) return ResourceExhaustedError("curl_easy_init failed");
  Result<HttpResponse> result = Perform(*handle, request, options_);
  Release(std::move(handle));
  return result;
}

Result<HttpResponse> CurlHttpClient::SendWithTimeout(const HttpRequest& request,
                                                     int64_t timeout_ms) {
  HttpClientOptions options = options_;
  options.connect_timeout_ms = std::min(options.connect_timeout_ms, timeout_ms);
  options.total_timeout_ms = timeout_ms;
  auto handle = Acquire();
  if (handle->curl == nullptr) return ResourceExhaustedError("curl_easy_init failed");
  Result<HttpResponse> result = Perform(*handle, request, options);
  Release(std::move(handle));
  return result;
}

namespace {

void SetTransportOptions(CURL* c, const HttpClientOptions& options, char* error_buffer) {
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  // S3 keys may hold "./" or "//"; send the path exactly as signed.
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.ca_bundle_path.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_bundle_path.c_str());
  }
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout_ms));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout_ms));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT,
                   static_cast<long>(options.low_speed_limit_bytes_per_second));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.low_speed_time_seconds));
}

void SetMethodAndBody(CURL* c, const HttpRequest& request, TransferState* state) {
  const bool has_body = request.body_reader || !request.body.empty() || request.method == "PUT" ||
                        request.method == "POST";
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (has_body) {
    const int64_t length =
        request.body_reader ? request.body_length : static_cast<int64_t>(request.body.size());
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadBody);
    curl_easy_setopt(c, CURLOPT_READDATA, state);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(length));
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
}

}  // namespace

Result<HttpResponse> CurlHttpClient::Perform(Handle& handle, const HttpRequest& request,
                                             const HttpClientOptions& options) {
  CURL* c = handle.curl;
  // Reset clears options but keeps the connection cache, so keep-alive survives.
  curl_easy_reset(c);
  if (handle.headers) {
    curl_slist_free_all(handle.headers);
    handle.headers = nullptr;
  }
  handle.error[0] = '\0';
  HttpResponse response;
  TransferState state{&request, 0, &response};

  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  SetTransportOptions(c, options, handle.error);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &state);
  SetMethodAndBody(c, request, &state);

  for (const auto& [name, value] : request.headers) {
    std::string line = name + ": " + value;
    if (value.empty()) line = name + ";";  // libcurl's syntax for an empty header value
    handle.headers = curl_slist_append(handle.headers, line.c_str());
  }
  // No "Expect: 100-continue" round trip, and no default content type on uploads.
  handle.headers = curl_slist_append(handle.headers, "Expect:");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, handle.headers);

  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) return CurlError(rc, handle.error);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  response.status_code = static_cast<int>(status);
  return response;
}

}  // namespace sluice::cloud
