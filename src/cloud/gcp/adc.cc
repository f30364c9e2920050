#include "cloud/gcp/adc.h"

#include <mutex>

#include "cloud/gcp/credentials_file.h"
#include "cloud/gcp/google_token_sources.h"
#include "cloud/oauth/token_providers.h"

namespace sluice::cloud {
namespace {

Result<std::unique_ptr<TokenProvider>> ProviderFor(GoogleCredentialsFile file, HttpClient& http,
                                                   Clock& clock) {
  switch (file.type) {
    case GoogleCredentialsFile::Type::kServiceAccount: {
      SLUICE_ASSIGN_OR_RETURN(auto p,
                              ServiceAccountKeyTokenProvider::Create(std::move(file), http, clock));
      return std::unique_ptr<TokenProvider>(std::move(p));
    }
    case GoogleCredentialsFile::Type::kExternalAccount:
      return std::unique_ptr<TokenProvider>(
          std::make_unique<ExternalAccountTokenProvider>(std::move(file), http, clock));
    case GoogleCredentialsFile::Type::kAuthorizedUser:
      return std::unique_ptr<TokenProvider>(
          std::make_unique<AuthorizedUserTokenProvider>(std::move(file), http, clock));
  }
  return InternalError("unknown credentials file type");
}

// A credentials file, read at first use. `required`: the file was named explicitly, so any
// problem with it is an error rather than "not configured here". Thread-safe.
class FileTokenProvider final : public TokenProvider {
 public:
  FileTokenProvider(std::string path, bool required, HttpClient& http, Clock& clock)
      : path_(std::move(path)), required_(required), http_(http), clock_(clock) {}

  Result<AccessToken> GetToken() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (inner_ == nullptr) {
      if (path_.empty()) return NotFoundError("not set");
      auto file = LoadCredentialsFile(path_);
      if (!file.ok()) {
        if (file.status().code() == StatusCode::kNotFound && !required_) return file.status();
        return FailedPreconditionError(file.status().message());
      }
      SLUICE_ASSIGN_OR_RETURN(inner_, ProviderFor(std::move(file).value(), http_, clock_));
    }
    return inner_->GetToken();
  }
  void Invalidate() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (inner_ != nullptr) inner_->Invalidate();
  }
  std::string Name() const override {
    std::lock_guard<std::mutex> lock(mu_);
    if (inner_ != nullptr) return inner_->Name();
    return required_ ? "GOOGLE_APPLICATION_CREDENTIALS" : "gcloud well-known file";
  }

 private:
  const std::string path_;
  const bool required_;
  HttpClient& http_;
  Clock& clock_;
  mutable std::mutex mu_;
  std::unique_ptr<TokenProvider> inner_;  // guarded by mu_
};

}  // namespace

std::unique_ptr<TokenProvider> MakeApplicationDefaultCredentials(const GcpSettings& settings,
                                                                 HttpClient& http, Clock& clock) {
  std::vector<std::unique_ptr<TokenProvider>> chain;
  if (!settings.credentials_file.empty()) {
    chain.push_back(
        std::make_unique<FileTokenProvider>(settings.credentials_file, true, http, clock));
  } else {
    chain.push_back(
        std::make_unique<FileTokenProvider>(settings.well_known_file, false, http, clock));
  }
  chain.push_back(std::make_unique<MetadataServerTokenProvider>(settings, http, clock));
  return std::make_unique<ChainTokenProvider>("Google identity", std::move(chain));
}

Result<std::string> DescribeGooglePrincipal(const GcpSettings& settings, HttpClient& http,
                                            Clock& clock) {
  const std::string& path =
      settings.credentials_file.empty() ? settings.well_known_file : settings.credentials_file;
  auto file = path.empty() ? Result<GoogleCredentialsFile>(NotFoundError("no file"))
                           : LoadCredentialsFile(path);
  if (file.ok()) {
    switch (file->type) {
      case GoogleCredentialsFile::Type::kServiceAccount:
        return "serviceAccount:" + file->client_email;
      case GoogleCredentialsFile::Type::kExternalAccount:
        return "the workload identity federation principal of " + file->audience;
      case GoogleCredentialsFile::Type::kAuthorizedUser:
        return std::string("the gcloud user of ") + path;
    }
  }
  if (!settings.credentials_file.empty()) return file.status();
  MetadataServerTokenProvider metadata(settings, http, clock);
  SLUICE_ASSIGN_OR_RETURN(std::string email, metadata.Email());
  return "serviceAccount:" + email;
}

}  // namespace sluice::cloud
