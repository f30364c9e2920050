#include "cloud/azure/azure_settings.h"

namespace sluice::cloud {
namespace {

// Azurite's development account: public, documented, and accepted by no real service.
constexpr char kDevAccount[] = "devstoreaccount1";
constexpr char kDevKey[] =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
constexpr char kDevEndpoint[] = "http://127.0.0.1:10000/devstoreaccount1";

std::string Trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::map<std::string, std::string> ParseConnectionString(std::string_view text) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    const size_t semi = text.find(';');
    std::string_view part = text.substr(0, semi);
    text = semi == std::string_view::npos ? std::string_view() : text.substr(semi + 1);
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    out[Trimmed(part.substr(0, eq))] = Trimmed(part.substr(eq + 1));
  }
  return out;
}

AzureSettings ResolveAzureSettings(const Environment& env) {
  AzureSettings s;
  if (auto authority = env.Get("AZURE_AUTHORITY_HOST")) s.authority_host = *authority;
  while (s.authority_host.ends_with('/')) s.authority_host.pop_back();
  if (auto cs = env.Get("AZURE_STORAGE_CONNECTION_STRING")) {
    auto fields = ParseConnectionString(*cs);
    if (fields["UseDevelopmentStorage"] == "true") {
      s.connection_account = kDevAccount;
      s.account_key = kDevKey;
      s.blob_endpoint = kDevEndpoint;
    }
    if (!fields["AccountName"].empty()) s.connection_account = fields["AccountName"];
    if (!fields["AccountKey"].empty()) s.account_key = fields["AccountKey"];
    if (!fields["SharedAccessSignature"].empty()) s.sas_token = fields["SharedAccessSignature"];
    if (!fields["BlobEndpoint"].empty()) s.blob_endpoint = fields["BlobEndpoint"];
  }
  if (s.account_key.empty()) s.account_key = env.Get("AZURE_STORAGE_KEY").value_or("");
  if (s.sas_token.empty()) s.sas_token = env.Get("AZURE_STORAGE_SAS_TOKEN").value_or("");
  if (s.blob_endpoint.empty()) {
    s.blob_endpoint = env.Get("AZURE_STORAGE_SERVICE_ENDPOINT").value_or("");
  }
  if (s.sas_token.starts_with('?')) s.sas_token.erase(0, 1);
  while (s.blob_endpoint.ends_with('/')) s.blob_endpoint.pop_back();
  return s;
}

std::string BlobEndpoint(const AzureSettings& settings, const std::string& account) {
  if (!settings.blob_endpoint.empty()) return settings.blob_endpoint;
  return "https://" + account + ".blob.core.windows.net";
}

}  // namespace sluice::cloud
