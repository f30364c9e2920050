#include "cloud/probe.h"

#include <memory>

#include "cloud/aws/sts_client.h"
#include "cloud/local/local_object_store.h"
#include "cloud/s3/s3_client.h"
#include "cloud/storage_url.h"
#include "common/uuid.h"

namespace sluice::cloud {
namespace {

constexpr char kProbeBody[] = "sluice destination probe\n";

RetryOptions ProbeRetry() { return RetryOptions{3, 200, 1'000, 10'000}; }

// Explains a failed S3 call in terms of what the user must change.
std::string ExplainS3Failure(const Status& s, const char* operation, const char* action,
                             const StorageUrl& url, const std::string& where) {
  const std::string& m = s.message();
  if (url.scheme == StorageUrl::Scheme::kFile) {
    return std::string(operation) + " on " + where + " failed: " + s.ToString();
  }
  if (StorageErrorOf(s) == StorageError::kBucketNotFound) {
    return "bucket " + url.bucket + " does not exist (check the name, account and region) [" + m +
           "]";
  }
  if (s.code() == StatusCode::kPermissionDenied) {
    return DeniedMessage(std::string(operation) + " denied on " + where, action, url, m);
  }
  if (s.code() == StatusCode::kUnauthenticated) {
    return std::string(operation) + " on " + where +
           ": the credentials were rejected (wrong secret, expired or forged session token) [" + m +
           "]";
  }
  return std::string(operation) + " on " + where + " failed: " + s.ToString();
}

struct Probe {
  ProbeContext& ctx;
  std::vector<ProbeStep> steps;

  bool Step(std::string name, bool ok, std::string message) {
    steps.push_back({std::move(name), ok, std::move(message)});
    return ok;
  }

  // The credentials to write with: the base identity, or the assumed role.
  std::unique_ptr<CredentialsProvider> Credentials(const ProbeRequest& req) {
    auto base = ctx.base_credentials.GetCredentials();
    if (!Step("credentials", base.ok(),
              base.ok() ? "using " + ctx.base_credentials.Name()
                        : "no usable AWS identity for sluice itself: " + base.status().message())) {
      return nullptr;
    }
    if (req.role_arn.empty()) return std::make_unique<StaticCredentialsProvider>(*base);
    StsClient sts(StsOptions{ctx.settings.region, ctx.settings.sts_endpoint, ProbeRetry()},
                  ctx.http, ctx.clock);
    auto assumed =
        sts.AssumeRole({req.role_arn, req.role_session_name, req.external_id, 900}, *base);
    if (assumed.ok()) {
      Step("assume role", true, "assumed " + req.role_arn);
      return std::make_unique<StaticCredentialsProvider>(*assumed);
    }
    const Status& s = assumed.status();
    std::string msg = "AssumeRole of " + req.role_arn + " failed: " + s.message();
    if (s.code() == StatusCode::kPermissionDenied) {
      auto caller = sts.GetCallerIdentityArn(*base);
      msg = "AssumeRole denied: the role's trust policy must allow sts:AssumeRole for " +
            (caller.ok() ? *caller : std::string("sluice's identity")) +
            (req.external_id.empty() ? std::string()
                                     : " with the condition sts:ExternalId = " + req.external_id) +
            " [" + s.message() + "]";
    }
    Step("assume role", false, std::move(msg));
    return nullptr;
  }

  void RoundTrip(ObjectStore& store, const StorageUrl& url) {
    const std::string key = url.Join("_sluice/probe-" + NewUuid() + ".txt");
    const std::string where = store.Describe(key);
    const Status put = store.Put(key, kProbeBody);
    if (!Step("put", put.ok(),
              put.ok() ? "wrote " + where
                       : ExplainS3Failure(put, "PutObject", "s3:PutObject", url, where))) {
      return;
    }
    auto got = store.Get(key);
    const bool same = got.ok() && *got == kProbeBody;
    Step("get", same,
         same ? "read back " + where
              : (got.ok()
                     ? "read back different bytes from " + where
                     : ExplainS3Failure(got.status(), "GetObject", "s3:GetObject", url, where)));
    // The probe object is removed even when reading it back failed.
    const Status del = store.Delete(key);
    Step("delete", del.ok(),
         del.ok() ? "deleted " + where
                  : ExplainS3Failure(del, "DeleteObject", "s3:DeleteObject", url, where));
  }
};

}  // namespace

std::vector<ProbeStep> ProbeDestination(const ProbeRequest& request, ProbeContext& context) {
  Probe probe{context, {}};
  auto url = ParseStorageUrl(request.destination);
  if (!probe.Step("parse destination", url.ok(),
                  url.ok() ? url->ToString() : url.status().message())) {
    return probe.steps;
  }
  if (url->scheme == StorageUrl::Scheme::kFile) {
    LocalObjectStore store(url->path);
    StorageUrl root = *url;
    root.path.clear();
    probe.RoundTrip(store, root);
    return probe.steps;
  }
  auto creds = probe.Credentials(request);
  if (creds == nullptr) return probe.steps;
  S3ClientOptions options;
  options.region = context.settings.region;
  options.endpoint = context.settings.s3_endpoint;
  options.path_style = context.path_style;
  options.retry = ProbeRetry();
  S3Client s3(url->bucket, options, context.http, *creds, context.clock);
  probe.RoundTrip(s3, *url);
  return probe.steps;
}

bool ProbeSucceeded(const std::vector<ProbeStep>& steps) {
  for (const ProbeStep& s : steps) {
    if (!s.ok) return false;
  }
  return !steps.empty();
}

}  // namespace sluice::cloud
