// Which files an import reads from an export destination (issue: exports as an archive). A
// destination sluice wrote is read through its run manifests (`<prefix>/_sluice/manifests/`,
// docs/exports.md): every committed file once, in export order, each with the rows, bytes and
// SHA-256 the manifest records, so the import can prove it read exactly what was exported. A
// destination without manifests (JSON Lines from another tool) is read file by file in key
// order, unchecked.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cloud/object_store.h"
#include "cloud/storage_url.h"

namespace sluice::jobs {

struct ImportSelection {
  // Date folders (`YYYY-MM-DD/` or `date=YYYY-MM-DD/`) from and to, inclusive; empty = open.
  // Files outside any date folder are taken only when neither bound is set.
  std::string from_date;
  std::string to_date;
  // When not empty: exactly these files (keys within the store), each of which must be listed
  // in a manifest; the date bounds still apply.
  std::vector<std::string> keys;
};

struct ImportFile {
  std::string key;  // within the destination's store
  bool parquet = false;
  // From the manifest; -1 / empty when the destination has no manifests.
  int64_t rows = -1;
  int64_t bytes = -1;
  std::string sha256;
  std::string date_folder;  // YYYY-MM-DD, empty when the key has none
};

struct ImportPlan {
  std::vector<ImportFile> files;
  bool from_manifests = false;
  int64_t manifests = 0;
};

// kInvalidArgument naming a date bound that is not YYYY-MM-DD.
Status CheckImportSelection(const ImportSelection& selection);

// Errors: kInvalidArgument for a bad date bound or a manifest that does not parse (naming it);
// the store's errors listing or reading manifests.
Result<ImportPlan> PlanImport(cloud::ObjectStore& store, const cloud::StorageUrl& url,
                              const ImportSelection& selection);

// "2026-12-06" for a key holding "/2026-12-06/" or "/date=2026-12-06/"; "" otherwise.
std::string DateFolderOf(const std::string& key);

}  // namespace sluice::jobs
