#include "cloud/storage_failure.h"

namespace sluice::cloud {
namespace {

using Type = DestinationCredentials::Type;

std::string MissingBucket(const StorageUrl& url) {
  switch (url.scheme) {
    case StorageUrl::Scheme::kS3:
      return "bucket " + url.bucket + " does not exist (check the name, account and region)";
    case StorageUrl::Scheme::kAzureBlob:
      return "container " + url.bucket + " does not exist in storage account " + url.account +
             " (create it, or check the names)";
    case StorageUrl::Scheme::kGcs:
      return "bucket gs://" + url.bucket + " does not exist (check the name and project)";
    case StorageUrl::Scheme::kFile: return "the directory does not exist";
  }
  return "";
}

std::string RefusedCredentials(const Destination& d) {
  switch (d.credentials) {
    case Type::kAwsIam:
      return "the credentials were rejected (wrong secret, expired or forged session token)";
    case Type::kAzureSharedKey:
      return "the storage account key was rejected: check AZURE_STORAGE_KEY (or AccountKey in "
             "AZURE_STORAGE_CONNECTION_STRING) on the sluice server; it must be a key of storage "
             "account " +
             d.url.account;
    case Type::kAzureSas:
      return "the shared access signature was rejected: check AZURE_STORAGE_SAS_TOKEN on the "
             "sluice server (expired, or signed for another account or container?)";
    case Type::kAzureIdentity:
      return "the token of app registration " + d.principal +
             " was rejected (check the tenant and client ids)";
    case Type::kGcpServiceAccount:
      return "the token of service account " + d.principal + " was rejected";
    case Type::kNone: break;
  }
  return "the credentials were rejected";
}

}  // namespace

std::string_view OperationName(StorageUrl::Scheme scheme, StorageAction action) {
  const bool azure = scheme == StorageUrl::Scheme::kAzureBlob;
  const bool gcs = scheme == StorageUrl::Scheme::kGcs;
  switch (action) {
    case StorageAction::kWrite: return azure ? "PutBlob" : gcs ? "objects.insert" : "PutObject";
    case StorageAction::kRead: return azure ? "GetBlob" : gcs ? "objects.get" : "GetObject";
    case StorageAction::kDelete:
      return azure ? "DeleteBlob" : gcs ? "objects.delete" : "DeleteObject";
  }
  return "";
}

std::string ExplainStorageFailure(const Status& s, StorageAction action, const Destination& d,
                                  const std::string& key) {
  const std::string where = d.store ? d.store->Describe(key) : key;
  const std::string op(OperationName(d.url.scheme, action));
  const std::string& m = s.message();
  if (d.url.scheme == StorageUrl::Scheme::kFile) return op + " on " + where + " failed: " + m;
  switch (StorageErrorOf(s)) {
    case StorageError::kBucketNotFound: return MissingBucket(d.url) + " [" + m + "]";
    case StorageError::kBadCredentials:
    case StorageError::kExpiredCredentials:
      return op + " on " + where + ": " + RefusedCredentials(d) + " [" + m + "]";
    case StorageError::kAccessDenied:
      if (d.credentials == Type::kAzureSharedKey || d.credentials == Type::kAzureSas) {
        // A SAS without the permission, or (on Azurite) a key that did not authenticate.
        return op + " denied on " + where + ": " + RefusedCredentials(d) +
               ", or it lacks the permission to " +
               (action == StorageAction::kWrite  ? "write (w, c)"
                : action == StorageAction::kRead ? "read (r)"
                                                 : "delete (d)") +
               " [" + m + "]";
      }
      return DeniedMessage(op + " denied on " + where, action, d.url, d.principal, m);
    default: break;
  }
  if (s.code() == StatusCode::kPermissionDenied) {
    return DeniedMessage(op + " denied on " + where, action, d.url, d.principal, m);
  }
  if (s.code() == StatusCode::kUnauthenticated) {
    return op + " on " + where + ": " + RefusedCredentials(d) + " [" + m + "]";
  }
  return op + " on " + where + " failed: " + s.ToString();
}

}  // namespace sluice::cloud
