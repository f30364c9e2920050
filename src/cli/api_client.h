// The CLI's client of a running sluice server's REST API (commands that operate the server
// instead of the store, so the server's own work and the command never collide).
#pragma once

#include <string>

#include "cloud/http/curl_http_client.h"
#include "common/json.h"
#include "common/status.h"

namespace sluice::cli {

// The API key: `flag` when given, else SLUICE_API_KEY, else the api_key line of
// <data_dir>/credentials (written on the server's first start).
Result<std::string> ResolveApiKey(const std::string& flag, const std::string& data_dir);

// Not thread-safe.
class Api {
 public:
  Api(std::string url, std::string key);

  // Sends the request (POST with `body`, "{}" when empty); a non-2xx answer becomes an error
  // with the server's message (kNotFound for 404), an unreachable server kUnavailable saying so.
  Result<Json> Call(const std::string& method, const std::string& path,
                    const std::string& body = "");

 private:
  std::string url_;
  std::string key_;
  cloud::CurlHttpClient http_;
};

}  // namespace sluice::cli
