// TempDir: a fresh directory per test, removed with its contents on destruction.
#pragma once

#include <filesystem>
#include <string>

namespace sluice::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The source tree's root (SLUICE_SOURCE_DIR, set by CTest), for reading test data.
std::string SourceDir();
// ../shared/testdata/<sub> relative to the source tree.
std::string SharedTestdata(const std::string& sub);

}  // namespace sluice::testing
