#include "cloud/gcp/credentials_file.h"

#include "cloud/environment.h"
#include "common/json.h"

namespace sluice::cloud {
namespace {

std::string Text(const Json& doc, std::string_view key) {
  const Json* v = doc.Find(key);
  return v != nullptr && v->is_string() ? v->string_value() : std::string();
}

Status Missing(const std::string& path, std::string_view field) {
  return FailedPreconditionError("Google credentials file " + path + " lacks \"" +
                                 std::string(field) + "\"");
}

Status ParseCredentialSource(const Json& doc, GoogleCredentialsFile& f) {
  const Json* src = doc.Find("credential_source");
  if (src == nullptr || !src->is_object()) return Missing(f.path, "credential_source");
  f.source_file = Text(*src, "file");
  f.source_url = Text(*src, "url");
  if (f.source_file.empty() && f.source_url.empty()) {
    return FailedPreconditionError(
        "Google credentials file " + f.path +
        ": only file and url credential sources are supported (not AWS or executable ones)");
  }
  if (const Json* headers = src->Find("headers"); headers != nullptr && headers->is_object()) {
    for (const auto& [name, value] : headers->members()) {
      if (value.is_string()) f.source_headers.emplace_back(name, value.string_value());
    }
  }
  if (const Json* format = src->Find("format"); format != nullptr && format->is_object()) {
    f.source_format = Text(*format, "type");
    f.source_json_field = Text(*format, "subject_token_field_name");
    if (f.source_format != "text" && f.source_format != "json") {
      return FailedPreconditionError("Google credentials file " + f.path +
                                     ": credential_source.format.type must be text or json");
    }
    if (f.source_format == "json" && f.source_json_field.empty()) {
      return Missing(f.path, "credential_source.format.subject_token_field_name");
    }
  }
  if (f.source_format.empty()) f.source_format = "text";
  return Status();
}

}  // namespace

Result<GoogleCredentialsFile> ParseCredentialsFile(std::string_view json, std::string path) {
  GoogleCredentialsFile f;
  f.path = std::move(path);
  auto doc = Json::Parse(json);
  if (!doc.ok() || !doc->is_object()) {
    return FailedPreconditionError("Google credentials file " + f.path + " is not JSON");
  }
  const std::string type = Text(*doc, "type");
  if (type == "service_account") {
    f.type = GoogleCredentialsFile::Type::kServiceAccount;
    f.client_email = Text(*doc, "client_email");
    f.private_key = Text(*doc, "private_key");
    f.private_key_id = Text(*doc, "private_key_id");
    if (std::string uri = Text(*doc, "token_uri"); !uri.empty()) f.token_uri = uri;
    if (f.client_email.empty()) return Missing(f.path, "client_email");
    if (f.private_key.empty()) return Missing(f.path, "private_key");
    return f;
  }
  if (type == "external_account") {
    f.type = GoogleCredentialsFile::Type::kExternalAccount;
    f.audience = Text(*doc, "audience");
    f.subject_token_type = Text(*doc, "subject_token_type");
    f.token_url = Text(*doc, "token_url");
    f.service_account_impersonation_url = Text(*doc, "service_account_impersonation_url");
    if (f.audience.empty()) return Missing(f.path, "audience");
    if (f.subject_token_type.empty()) return Missing(f.path, "subject_token_type");
    if (f.token_url.empty()) return Missing(f.path, "token_url");
    SLUICE_RETURN_IF_ERROR(ParseCredentialSource(*doc, f));
    return f;
  }
  if (type == "authorized_user") {
    f.type = GoogleCredentialsFile::Type::kAuthorizedUser;
    f.client_id = Text(*doc, "client_id");
    f.client_secret = Text(*doc, "client_secret");
    f.refresh_token = Text(*doc, "refresh_token");
    if (std::string uri = Text(*doc, "token_uri"); !uri.empty()) f.token_uri = uri;
    if (f.client_id.empty()) return Missing(f.path, "client_id");
    if (f.refresh_token.empty()) return Missing(f.path, "refresh_token");
    return f;
  }
  return FailedPreconditionError("Google credentials file " + f.path + " has type \"" + type +
                                 "\": expected service_account, external_account or "
                                 "authorized_user");
}

Result<GoogleCredentialsFile> LoadCredentialsFile(const std::string& path) {
  auto text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  return ParseCredentialsFile(*text, path);
}

}  // namespace sluice::cloud
