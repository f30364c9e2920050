// Google credential files as Application Default Credentials reads them: a service account
// key ("type": "service_account"), a workload identity federation configuration
// ("external_account", with a file or URL credential source) and gcloud's user credentials
// ("authorized_user").
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace sluice::cloud {

inline constexpr char kGoogleTokenUri[] = "https://oauth2.googleapis.com/token";

struct GoogleCredentialsFile {
  enum class Type { kServiceAccount, kExternalAccount, kAuthorizedUser };
  Type type = Type::kServiceAccount;
  std::string path;  // where it was read from, for messages

  // service_account. private_key is a secret.
  std::string client_email;
  std::string private_key;
  std::string private_key_id;
  std::string token_uri = kGoogleTokenUri;

  // external_account.
  std::string audience;
  std::string subject_token_type;
  std::string token_url;                          // the STS endpoint
  std::string service_account_impersonation_url;  // optional
  std::string source_file;                        // credential_source.file, or
  std::string source_url;                         // credential_source.url (+ headers)
  std::vector<std::pair<std::string, std::string>> source_headers;
  // credential_source.format: "text" (the whole content) or "json" (one field of it).
  std::string source_format = "text";
  std::string source_json_field;

  // authorized_user. client_secret and refresh_token are secrets.
  std::string client_id;
  std::string client_secret;
  std::string refresh_token;
};

// Parses the JSON text of a credential file. kFailedPrecondition naming the missing or bad
// field (and never a secret's value), or an unsupported type or credential source.
Result<GoogleCredentialsFile> ParseCredentialsFile(std::string_view json, std::string path);

// Reads and parses `path`; kNotFound when it cannot be read.
Result<GoogleCredentialsFile> LoadCredentialsFile(const std::string& path);

}  // namespace sluice::cloud
