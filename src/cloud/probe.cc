#include "cloud/probe.h"

#include "cloud/storage_failure.h"
#include "cloud/storage_url.h"
#include "common/uuid.h"

namespace sluice::cloud {
namespace {

constexpr char kProbeBody[] = "sluice destination probe\n";

void RoundTrip(const Destination& d, std::vector<ProbeStep>& steps) {
  ObjectStore& store = *d.store;
  const std::string key = d.url.Join("_sluice/probe-" + NewUuid() + ".txt");
  const std::string where = store.Describe(key);
  const Status put = store.Put(key, kProbeBody);
  steps.push_back(
      {"put", put.ok(),
       put.ok() ? "wrote " + where : ExplainStorageFailure(put, StorageAction::kWrite, d, key)});
  if (!put.ok()) return;
  auto got = store.Get(key);
  const bool same = got.ok() && *got == kProbeBody;
  steps.push_back(
      {"get", same,
       same ? "read back " + where
            : (got.ok() ? "read back different bytes from " + where
                        : ExplainStorageFailure(got.status(), StorageAction::kRead, d, key))});
  // The probe object is removed even when reading it back failed.
  const Status del = store.Delete(key);
  steps.push_back(
      {"delete", del.ok(),
       del.ok() ? "deleted " + where : ExplainStorageFailure(del, StorageAction::kDelete, d, key)});
}

}  // namespace

std::vector<ProbeStep> ProbeDestination(DestinationFactory& factory,
                                        const DestinationRequest& request) {
  std::vector<ProbeStep> steps;
  auto url = ParseStorageUrl(request.export_path);
  steps.push_back(
      {"parse destination", url.ok(), url.ok() ? url->ToString() : url.status().message()});
  if (!url.ok()) return steps;
  for (ProbeStep& s : factory.CheckIdentity(request, *url)) {
    const bool ok = s.ok;
    steps.push_back(std::move(s));
    if (!ok) return steps;
  }
  auto d = factory.Open(request);
  if (!d.ok()) {
    steps.push_back({"open", false, d.status().message()});
    return steps;
  }
  RoundTrip(*d, steps);
  return steps;
}

bool ProbeSucceeded(const std::vector<ProbeStep>& steps) {
  for (const ProbeStep& s : steps) {
    if (!s.ok) return false;
  }
  return !steps.empty();
}

}  // namespace sluice::cloud
