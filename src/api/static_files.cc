#include "api/static_files.h"

#include <array>
#include <string>
#include <utility>

namespace sluice::api {

std::string_view ContentTypeFor(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".json", "application/json"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
  }};
  for (const auto& [ext, type] : kTypes) {
    if (path.size() > ext.size() && path.substr(path.size() - ext.size()) == ext) return type;
  }
  return "application/octet-stream";
}

const StaticFile* FindStaticFile(std::span<const StaticFile> files, std::string_view url_path) {
  std::string_view rel;
  if (url_path == "/") {
    rel = "index.html";
  } else if (url_path.starts_with(kStaticUrlPrefix)) {
    rel = url_path.substr(kStaticUrlPrefix.size());
  } else {
    return nullptr;
  }
  for (const StaticFile& f : files) {
    if (f.path == rel) return &f;
  }
  return nullptr;
}

std::string StaticUrlPath(const StaticFile& file) {
  return std::string(kStaticUrlPrefix) + std::string(file.path);
}

}  // namespace sluice::api
