#include "cli/api_client.h"

#include <cstdlib>
#include <fstream>

namespace sluice::cli {

Result<std::string> ResolveApiKey(const std::string& flag, const std::string& data_dir) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("SLUICE_API_KEY"); env != nullptr && *env != '\0') {
    return std::string(env);
  }
  const std::string path = data_dir + "/credentials";
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("api_key=", 0) == 0) return line.substr(8);
  }
  return InvalidArgumentError("no API key: pass --api-key, set SLUICE_API_KEY, or run where " +
                              path + " exists");
}

Api::Api(std::string url, std::string key) : url_(std::move(url)), key_(std::move(key)) {
  while (!url_.empty() && url_.back() == '/') url_.pop_back();
}

Result<Json> Api::Call(const std::string& method, const std::string& path,
                       const std::string& body) {
  cloud::HttpRequest req;
  req.method = method;
  req.url = url_ + path;
  req.headers = {{"Authorization", "Bearer " + key_}};
  if (method == "POST") {
    req.headers.push_back({"Content-Type", "application/json"});
    req.body = body.empty() ? "{}" : body;
  }
  auto r = http_.Send(req);
  if (!r.ok()) {
    return UnavailableError("cannot reach the sluice server at " + url_ + ": " +
                            r.status().message() + " (is `sluice serve` running? --url)");
  }
  auto parsed = Json::Parse(r->body);
  if (r->status_code / 100 != 2) {
    const Json* e = parsed.ok() ? parsed->Find("error") : nullptr;
    const Json* m = e != nullptr ? e->Find("message") : nullptr;
    return Status(r->status_code == 404 ? StatusCode::kNotFound : StatusCode::kFailedPrecondition,
                  "HTTP " + std::to_string(r->status_code) + ": " +
                      (m != nullptr && m->is_string() ? m->string_value() : r->body));
  }
  if (!parsed.ok()) return InternalError("the server answered something that is not JSON");
  return std::move(*parsed);
}

}  // namespace sluice::cli
