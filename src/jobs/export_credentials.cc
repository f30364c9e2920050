#include "jobs/export_credentials.h"

#include <regex>

#include "cloud/azure/entra_credentials.h"
#include "cloud/gcp/impersonation.h"

namespace sluice::jobs {
namespace {

using Type = cloud::DestinationCredentials::Type;

Status Bad(const std::string& field, const std::string& why) {
  return InvalidArgumentError("config.credentials" + (field.empty() ? "" : "." + field) + ": " +
                              why);
}

Result<std::string> Required(const Json& c, const char* field) {
  const Json* v = c.Find(field);
  if (v == nullptr || v->is_null()) return Bad(field, "required");
  if (!v->is_string()) return Bad(field, "must be a string");
  return v->string_value();
}

Result<Type> ParseType(const std::string& t) {
  for (Type type : {Type::kAwsIam, Type::kAzureIdentity, Type::kAzureSas, Type::kAzureSharedKey,
                    Type::kGcpServiceAccount}) {
    if (t == cloud::CredentialsTypeName(type)) return type;
  }
  return Bad("type",
             "must be aws_iam, azure_identity, azure_sas, azure_shared_key or "
             "gcp_service_account, not \"" +
                 t + "\"");
}

// The message of a cloud-side check, as an error of `field`.
Status AsField(const char* field, const Status& s) { return s.ok() ? s : Bad(field, s.message()); }

}  // namespace

Status ParseExportCredentials(const Json& config, const cloud::StorageUrl& url,
                              cloud::DestinationCredentials* out) {
  if (url.scheme == cloud::StorageUrl::Scheme::kFile) {
    return Status();  // a local directory needs no credentials
  }
  const Json* cred = config.Find("credentials");
  if (cred == nullptr || !cred->is_object()) {
    return Bad("", "required: " + cloud::CheckCredentialsFit(url.scheme, {}).message());
  }
  SLUICE_ASSIGN_OR_RETURN(std::string type, Required(*cred, "type"));
  SLUICE_ASSIGN_OR_RETURN(out->type, ParseType(type));
  SLUICE_RETURN_IF_ERROR(AsField("type", cloud::CheckCredentialsFit(url.scheme, *out)));
  switch (out->type) {
    case Type::kAwsIam: {
      SLUICE_ASSIGN_OR_RETURN(out->role_arn, Required(*cred, "role_arn"));
      static const std::regex kRoleArn(R"(arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512})");
      if (!std::regex_match(out->role_arn, kRoleArn)) {
        return Bad("role_arn", "must look like arn:aws:iam::<12-digit account>:role/<name>");
      }
      break;
    }
    case Type::kAzureIdentity: {
      SLUICE_ASSIGN_OR_RETURN(out->tenant_id, Required(*cred, "tenant_id"));
      SLUICE_ASSIGN_OR_RETURN(out->client_id, Required(*cred, "client_id"));
      SLUICE_RETURN_IF_ERROR(AsField("tenant_id", cloud::ValidateTenantId(out->tenant_id)));
      SLUICE_RETURN_IF_ERROR(AsField("client_id", cloud::ValidateClientId(out->client_id)));
      break;
    }
    case Type::kGcpServiceAccount: {
      SLUICE_ASSIGN_OR_RETURN(out->service_account_email, Required(*cred, "service_account_email"));
      SLUICE_RETURN_IF_ERROR(AsField(
          "service_account_email", cloud::ValidateServiceAccountEmail(out->service_account_email)));
      break;
    }
    default: break;  // azure_sas, azure_shared_key: the server's environment holds the secret
  }
  return Status();
}

Json ExportCredentialsToJson(const cloud::DestinationCredentials& c) {
  if (c.type == Type::kNone) return Json();
  Json cred = Json::Object();
  cred.Set("type", Json::String(std::string(cloud::CredentialsTypeName(c.type))));
  switch (c.type) {
    case Type::kAwsIam:
      cred.Set("role_arn", Json::String(c.role_arn));
      cred.Set("external_id", Json::String(c.external_id));
      break;
    case Type::kAzureIdentity:
      cred.Set("tenant_id", Json::String(c.tenant_id));
      cred.Set("client_id", Json::String(c.client_id));
      break;
    case Type::kGcpServiceAccount:
      cred.Set("service_account_email", Json::String(c.service_account_email));
      break;
    default: break;
  }
  return cred;
}

}  // namespace sluice::jobs
