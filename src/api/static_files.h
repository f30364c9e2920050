// The web UI's static files (web/ in the source tree), embedded into the binary at build time by
// static_files_embed.cmake so `sluice serve` needs nothing beside itself. `/` serves
// index.html; every other file is served under `/ui/`, a prefix no API route uses.
#pragma once

#include <span>
#include <string_view>

namespace sluice::api {

// One embedded file. Views point at static storage: valid for the life of the process.
struct StaticFile {
  std::string_view path;          // relative to web/, e.g. "app.js", "views/form.js"
  std::string_view content_type;  // from the extension, see ContentTypeFor
  std::string_view bytes;
};

// URL prefix of every embedded file except index.html, which is also served at `/`.
inline constexpr std::string_view kStaticUrlPrefix = "/ui/";

// The files of web/ as of the build (generated code). Thread-safe (immutable).
std::span<const StaticFile> EmbeddedWebFiles();

// The Content-Type for a file name by its extension (`.html`, `.js`, `.mjs`, `.css`, `.svg`,
// `.json`, `.png`, `.ico`, `.txt`); `application/octet-stream` for anything else. Text types
// carry `charset=utf-8`.
std::string_view ContentTypeFor(std::string_view path);

// The file a request path names: `/` and `/ui/index.html` name index.html, `/ui/<path>` names
// <path>. nullptr when nothing matches (including paths outside `/ui/`, so API paths are never
// answered with a file).
const StaticFile* FindStaticFile(std::span<const StaticFile> files, std::string_view url_path);

// The URL path a file is served at: `/ui/<path>`.
std::string StaticUrlPath(const StaticFile& file);

}  // namespace sluice::api
