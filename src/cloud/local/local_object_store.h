// LocalObjectStore: ObjectStore over a local directory (file:///dir), for trying sluice out
// and for tests. Keys map to files under the root; writes go to a hidden temporary file that
// is renamed into place, so a reader never sees a partial object.
#pragma once

#include <filesystem>
#include <string>

#include "cloud/object_store.h"

namespace sluice::cloud {

// Thread-safe (every operation is a self-contained file system call sequence).
class LocalObjectStore final : public ObjectStore {
 public:
  // `root` is created on first write if missing.
  explicit LocalObjectStore(std::filesystem::path root);

  Status Put(const std::string& key, std::string_view bytes) override;
  Result<std::unique_ptr<ObjectWriter>> NewWriter(const std::string& key) override;
  Result<std::string> Get(const std::string& key) override;
  Result<ObjectInfo> Head(const std::string& key) override;
  Status Delete(const std::string& key) override;
  // Keys in byte order; the page token is the last key of the previous page.
  Result<ListPage> List(const std::string& prefix, const std::string& page_token,
                        int max_keys) override;
  std::string Describe(const std::string& key) const override;

  // The file for a key. Errors: kInvalidArgument for empty keys or keys with empty, "." or
  // ".." segments (which could escape the root).
  Result<std::filesystem::path> PathFor(const std::string& key) const;

 private:
  const std::filesystem::path root_;
};

}  // namespace sluice::cloud
