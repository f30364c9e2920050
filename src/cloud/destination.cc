#include "cloud/destination.h"

namespace sluice::cloud {

std::string_view CredentialsTypeName(DestinationCredentials::Type type) {
  switch (type) {
    case DestinationCredentials::Type::kNone: return "none";
    case DestinationCredentials::Type::kAwsIam: return "aws_iam";
    case DestinationCredentials::Type::kAzureIdentity: return "azure_identity";
    case DestinationCredentials::Type::kAzureSas: return "azure_sas";
    case DestinationCredentials::Type::kAzureSharedKey: return "azure_shared_key";
    case DestinationCredentials::Type::kGcpServiceAccount: return "gcp_service_account";
  }
  return "unknown";
}

Status CheckCredentialsFit(StorageUrl::Scheme scheme, const DestinationCredentials& c) {
  using T = DestinationCredentials::Type;
  switch (scheme) {
    case StorageUrl::Scheme::kFile: return Status();
    case StorageUrl::Scheme::kS3:
      if (c.type == T::kAwsIam) return Status();
      return InvalidArgumentError(
          "s3:// paths take credentials {\"type\":\"aws_iam\",\"role_arn\":...}");
    case StorageUrl::Scheme::kAzureBlob:
      if (c.type == T::kAzureIdentity || c.type == T::kAzureSas || c.type == T::kAzureSharedKey) {
        return Status();
      }
      return InvalidArgumentError(
          "az:// paths take credentials {\"type\":\"azure_identity\",\"tenant_id\":...,"
          "\"client_id\":...} (or azure_sas / azure_shared_key from the server's environment)");
    case StorageUrl::Scheme::kGcs:
      if (c.type == T::kGcpServiceAccount) return Status();
      return InvalidArgumentError(
          "gs:// paths take credentials {\"type\":\"gcp_service_account\","
          "\"service_account_email\":...}");
  }
  return InvalidArgumentError("unknown destination");
}

}  // namespace sluice::cloud
