// Where the server's Azure settings come from, read as the Azure SDKs and the Azure CLI read
// them: AZURE_AUTHORITY_HOST (Microsoft Entra ID), AZURE_STORAGE_CONNECTION_STRING (its
// AccountName, AccountKey, SharedAccessSignature and BlobEndpoint, or
// UseDevelopmentStorage=true for Azurite), AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN and
// AZURE_STORAGE_SERVICE_ENDPOINT.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "cloud/environment.h"

namespace sluice::cloud {

inline constexpr char kDefaultAuthorityHost[] = "https://login.microsoftonline.com";

struct AzureSettings {
  // Microsoft Entra ID's token service: "https://login.microsoftonline.com" unless
  // AZURE_AUTHORITY_HOST says otherwise (sovereign clouds, tests).
  std::string authority_host = kDefaultAuthorityHost;
  // Requests go to "<blob_endpoint>/<container>/<blob>". Empty: the account's own endpoint,
  // https://<account>.blob.core.windows.net. Set for Azurite and other emulators
  // ("http://127.0.0.1:10000/devstoreaccount1").
  std::string blob_endpoint;
  // The account the connection string names, if any (its key and SAS belong to it).
  std::string connection_account;
  // Base64 Shared Key of the account. A secret.
  std::string account_key;
  // A shared access signature, without its leading '?'. A secret.
  std::string sas_token;
};

// Resolves, each in this order: the connection string's field, then the variable of its own
// (AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN, AZURE_STORAGE_SERVICE_ENDPOINT).
AzureSettings ResolveAzureSettings(const Environment& env);

// "Name=value;Name=value" as Azure connection strings are written (values may hold '=').
std::map<std::string, std::string> ParseConnectionString(std::string_view text);

// Where blob requests for `account` go: blob_endpoint when set, else the account's endpoint.
std::string BlobEndpoint(const AzureSettings& settings, const std::string& account);

}  // namespace sluice::cloud
