#include "cloud/gcp/impersonation.h"

#include "cloud/gcp/google_errors.h"
#include "common/json.h"
#include "common/time_util.h"

namespace sluice::cloud {

Status ValidateServiceAccountEmail(std::string_view email) {
  const size_t at = email.find('@');
  bool ok = at != std::string_view::npos && at > 0 && at + 1 < email.size() &&
            email.find('@', at + 1) == std::string_view::npos && email.size() <= 254;
  for (char c : email) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                c == '@' || c == '_');
  }
  if (ok) return Status();
  return InvalidArgumentError(
      "service_account_email must be a service account's email, such as "
      "sluice-export@my-project.iam.gserviceaccount.com (lower-case)");
}

std::string GenerateAccessTokenUrl(const std::string& iam_credentials_endpoint,
                                   const std::string& email) {
  return iam_credentials_endpoint + "/v1/projects/-/serviceAccounts/" + UriEncode(email) +
         ":generateAccessToken";
}

Result<AccessToken> GenerateAccessToken(HttpClient& http, RetryPolicy& retry,
                                        const std::string& url, const std::string& target,
                                        const AccessToken& caller,
                                        const std::vector<std::string>& scopes) {
  Json body = Json::Object();
  Json scope = Json::Array();
  for (const std::string& s : scopes) scope.Push(Json::String(s));
  body.Set("scope", std::move(scope));
  body.Set("lifetime", Json::String("3600s"));
  HttpRequest req;
  req.method = "POST";
  req.url = url;
  req.headers = {{"Authorization", "Bearer " + caller.token},
                 {"Content-Type", "application/json"},
                 {"Accept", "application/json"}};
  req.body = body.ToString();
  const std::string what = "generateAccessToken for " + target;
  AccessToken out;
  Status st = retry.Run([&]() -> Status {
    auto resp = http.Send(req);
    if (!resp.ok()) return resp.status().WithContext(what);
    if (resp->status_code != 200) {
      Status s = GoogleErrorToStatus(ParseGoogleError(*resp), what, "");
      if (s.code() == StatusCode::kPermissionDenied || s.code() == StatusCode::kNotFound) {
        return Status(s.code(), what + " was refused: the service account " + target +
                                    " must exist and grant roles/iam.serviceAccountTokenCreator "
                                    "to sluice's own identity [" +
                                    s.message() + "]");
      }
      return s;
    }
    auto doc = Json::Parse(resp->body);
    const Json* token = doc.ok() ? doc->Find("accessToken") : nullptr;
    if (token == nullptr || !token->is_string() || token->string_value().empty()) {
      return UnavailableError(what + ": the answer holds no accessToken");
    }
    out.token = token->string_value();
    if (const Json* exp = doc->Find("expireTime"); exp != nullptr && exp->is_string()) {
      auto t = ParseRfc3339(exp->string_value());
      if (t.ok()) out.expiration = *t;
    }
    return Status();
  });
  if (!st.ok()) return st;
  return out;
}

ImpersonatedTokenProvider::ImpersonatedTokenProvider(TokenProvider& source, std::string url,
                                                     std::string target,
                                                     std::vector<std::string> scopes,
                                                     HttpClient& http, Clock& clock)
    : RefreshingTokenProvider(clock),
      source_(source),
      url_(std::move(url)),
      target_(std::move(target)),
      scopes_(std::move(scopes)),
      http_(http),
      retry_(RetryOptions{4, 200, 2'000, 20'000}, clock) {}

Result<AccessToken> ImpersonatedTokenProvider::Fetch() {
  auto caller = source_.GetToken();
  if (!caller.ok()) {
    return caller.status().WithContext("sluice's own Google identity (" + source_.Name() + ")");
  }
  return GenerateAccessToken(http_, retry_, url_, target_, *caller, scopes_);
}

}  // namespace sluice::cloud
