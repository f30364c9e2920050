#include "temp_dir.h"

#include <cstdlib>
#include <random>

namespace sluice::testing {

TempDir::TempDir() {
  std::random_device rd;
  const char* base = std::getenv("TMPDIR");
  std::filesystem::path root = base ? base : "/tmp";
  for (;;) {
    path_ = root / ("sluice-test-" + std::to_string(rd()));
    if (std::filesystem::create_directory(path_)) break;
  }
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string SourceDir() {
  const char* s = std::getenv("SLUICE_SOURCE_DIR");
  return s ? s : ".";
}

std::string TestData(const std::string& sub) { return SourceDir() + "/tests/data/" + sub; }

}  // namespace sluice::testing
