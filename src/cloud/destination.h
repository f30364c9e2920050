// What names an export destination and the identity it is reached with: the export_path and
// the automation's credentials, in cloud terms. jobs/automation_config.h parses and validates
// them from the API's JSON (Braintrust's aws_iam and gcp_service_account shapes, and
// azure_identity); DestinationFactory (destination_factory.h) turns them into an ObjectStore.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "cloud/object_store.h"
#include "cloud/storage_url.h"

namespace sluice::cloud {

struct DestinationCredentials {
  enum class Type {
    kNone,               // file:// destinations
    kAwsIam,             // assume role_arn with external_id
    kAzureIdentity,      // the app registration client_id in tenant_id, by federation
    kAzureSas,           // the SAS in the server's environment (Azurite, tests)
    kAzureSharedKey,     // the account key in the server's environment (Azurite, tests)
    kGcpServiceAccount,  // impersonate service_account_email
  };
  Type type = Type::kNone;
  std::string role_arn;
  std::string external_id;  // computed by the server, never taken from a request
  std::string tenant_id;
  std::string client_id;
  std::string service_account_email;
};

// The `type` of the API's credentials object ("aws_iam", "azure_identity", ...).
std::string_view CredentialsTypeName(DestinationCredentials::Type type);

// OK when `credentials` can reach a destination of `scheme`: s3 takes aws_iam, az takes the
// azure_* types, gs takes gcp_service_account, file takes none. kInvalidArgument saying which
// type the path needs.
Status CheckCredentialsFit(StorageUrl::Scheme scheme, const DestinationCredentials& credentials);

struct DestinationRequest {
  std::string export_path;
  DestinationCredentials credentials;
};

// One step of checking a destination (the probe, `POST /automation/test`).
struct ProbeStep {
  std::string name;  // "parse destination", "credentials", "assume role", "put", "get", ...
  bool ok = false;
  std::string message;  // what was done, or what failed and what to change
};

struct Destination {
  // Shared so a store outlives any run still using it; it borrows the factory's identities,
  // so the factory must outlive it.
  std::shared_ptr<ObjectStore> store;
  // The export_path parsed; file keys are url.Join(name) within `store` (for file://, the
  // path is the store's root and url.path is empty).
  StorageUrl url;
  // Who must be granted access, for messages: the app registration's client id (Azure) or
  // the service account (Cloud Storage); empty for S3 (the role policy says it).
  std::string principal;
  // How it is reached, to say which credentials to check when the service refuses them.
  DestinationCredentials::Type credentials = DestinationCredentials::Type::kNone;
};

}  // namespace sluice::cloud
