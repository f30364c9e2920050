#include "cloud/storage_url.h"

namespace sluice::cloud {
namespace {

constexpr std::string_view kAzureBlobHostSuffix = ".blob.core.windows.net";

Status Bad(std::string_view url, std::string_view why) {
  return InvalidArgumentError("\"" + std::string(url) + "\": " + std::string(why));
}

// Splits "first/rest" at the first '/'; `rest` is empty when there is no '/'.
void SplitFirst(std::string_view in, std::string_view& first, std::string_view& rest) {
  const size_t slash = in.find('/');
  first = in.substr(0, slash);
  rest = slash == std::string_view::npos ? std::string_view() : in.substr(slash + 1);
}

// The key prefix after the bucket: trailing '/' dropped, no empty segment.
Result<std::string> Prefix(std::string_view prefix) {
  while (prefix.ends_with('/')) prefix.remove_suffix(1);
  if (prefix.starts_with('/') || prefix.find("//") != std::string_view::npos) {
    return InvalidArgumentError("prefix \"" + std::string(prefix) + "\" has an empty path segment");
  }
  return std::string(prefix);
}

Result<StorageUrl> ParseBucketUrl(std::string_view url, size_t scheme_len,
                                  StorageUrl::Scheme scheme) {
  StorageUrl out;
  out.scheme = scheme;
  std::string_view bucket;
  std::string_view rest;
  SplitFirst(url.substr(scheme_len), bucket, rest);
  if (bucket.empty())
    return Bad(url,
               "has no bucket: use " + std::string(url.substr(0, scheme_len)) + "bucket/prefix");
  SLUICE_RETURN_IF_ERROR(scheme == StorageUrl::Scheme::kS3 ? ValidateBucketName(bucket)
                                                           : ValidateGcsBucketName(bucket));
  out.bucket = std::string(bucket);
  SLUICE_ASSIGN_OR_RETURN(out.path, Prefix(rest));
  return out;
}

// `account` and "container/prefix" from either Azure form.
Result<StorageUrl> ParseAzureUrl(std::string_view url, std::string_view account,
                                 std::string_view container_and_prefix) {
  StorageUrl out;
  out.scheme = StorageUrl::Scheme::kAzureBlob;
  SLUICE_RETURN_IF_ERROR(ValidateAzureAccountName(account));
  std::string_view container;
  std::string_view rest;
  SplitFirst(container_and_prefix, container, rest);
  if (container.empty()) return Bad(url, "has no container: use az://account/container/prefix");
  SLUICE_RETURN_IF_ERROR(ValidateAzureContainerName(container));
  out.account = std::string(account);
  out.bucket = std::string(container);
  SLUICE_ASSIGN_OR_RETURN(out.path, Prefix(rest));
  return out;
}

Result<StorageUrl> ParseFileUrl(std::string_view url) {
  StorageUrl out;
  out.scheme = StorageUrl::Scheme::kFile;
  std::string_view path = url.substr(7);
  if (!path.starts_with('/')) return Bad(url, "a file URL needs an absolute path (file:///dir)");
  while (path.size() > 1 && path.ends_with('/')) path.remove_suffix(1);
  out.path = std::string(path);
  return out;
}

}  // namespace

Result<StorageUrl> ParseStorageUrl(std::string_view url) {
  if (url.starts_with("s3://")) return ParseBucketUrl(url, 5, StorageUrl::Scheme::kS3);
  if (url.starts_with("gs://")) return ParseBucketUrl(url, 5, StorageUrl::Scheme::kGcs);
  if (url.starts_with("file://")) return ParseFileUrl(url);
  if (url.starts_with("az://")) {
    std::string_view account;
    std::string_view rest;
    SplitFirst(url.substr(5), account, rest);
    return ParseAzureUrl(url, account, rest);
  }
  if (url.starts_with("https://")) {
    std::string_view host;
    std::string_view rest;
    SplitFirst(url.substr(8), host, rest);
    // Only Azure's own blob endpoint: a token for Azure Storage must never go to another host.
    if (host.ends_with(kAzureBlobHostSuffix) && host.size() > kAzureBlobHostSuffix.size()) {
      host.remove_suffix(kAzureBlobHostSuffix.size());
      return ParseAzureUrl(url, host, rest);
    }
    return Bad(url,
               "an https destination must be an Azure blob URL "
               "(https://<account>.blob.core.windows.net/<container>/<prefix>)");
  }
  return Bad(url,
             "unsupported destination: expected s3://bucket/prefix, az://account/container/prefix, "
             "gs://bucket/prefix or file:///dir");
}

std::string_view SchemeName(StorageUrl::Scheme scheme) {
  switch (scheme) {
    case StorageUrl::Scheme::kS3: return "s3";
    case StorageUrl::Scheme::kFile: return "file";
    case StorageUrl::Scheme::kAzureBlob: return "azure_blob";
    case StorageUrl::Scheme::kGcs: return "gcs";
  }
  return "unknown";
}

std::string StorageUrl::ToString() const {
  std::string root;
  switch (scheme) {
    case Scheme::kFile: return "file://" + path;
    case Scheme::kS3: root = "s3://" + bucket; break;
    case Scheme::kGcs: root = "gs://" + bucket; break;
    case Scheme::kAzureBlob: root = "az://" + account + "/" + bucket; break;
  }
  return path.empty() ? root : root + "/" + path;
}

std::string StorageUrl::Join(std::string_view name) const {
  if (path.empty()) return std::string(name);
  if (path == "/") return "/" + std::string(name);
  return path + "/" + std::string(name);
}

std::string PrefixObjectsArn(const StorageUrl& url) {
  return "arn:aws:s3:::" + url.bucket + (url.path.empty() ? "/*" : "/" + url.path + "/*");
}

namespace {

std::string_view S3Action(StorageAction action) {
  switch (action) {
    case StorageAction::kWrite: return "s3:PutObject";
    case StorageAction::kRead: return "s3:GetObject";
    case StorageAction::kDelete: return "s3:DeleteObject";
  }
  return "";
}

std::string_view GcsPermission(StorageAction action) {
  switch (action) {
    case StorageAction::kWrite: return "storage.objects.create";
    case StorageAction::kRead: return "storage.objects.get";
    case StorageAction::kDelete: return "storage.objects.delete";
  }
  return "";
}

std::string Grant(StorageAction action, const StorageUrl& url, std::string_view principal) {
  const std::string who = principal.empty() ? std::string() : " " + std::string(principal);
  switch (url.scheme) {
    case StorageUrl::Scheme::kS3:
      return "the role policy needs " + std::string(S3Action(action)) + " on " +
             PrefixObjectsArn(url);
    case StorageUrl::Scheme::kAzureBlob:
      return "assign the role Storage Blob Data Contributor on container " + url.bucket +
             " of storage account " + url.account + " to the app registration" + who;
    case StorageUrl::Scheme::kGcs:
      return "grant roles/storage.objectUser on bucket gs://" + url.bucket +
             " to the service account" + who + " (it needs " + std::string(GcsPermission(action)) +
             ")";
    case StorageUrl::Scheme::kFile: return "check the directory's owner and mode";
  }
  return "";
}

}  // namespace

std::string DeniedMessage(std::string_view denied, StorageAction action, const StorageUrl& url,
                          std::string_view principal, std::string_view detail) {
  std::string out(denied);
  out += ": " + Grant(action, url, principal) + " [";
  out += detail;
  out += "]";
  return out;
}

}  // namespace sluice::cloud
