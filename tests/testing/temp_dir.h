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
// tests/data/<sub> in the source tree: data files the tests read, each folder with its README
// and licence.
std::string TestData(const std::string& sub);

}  // namespace sluice::testing
