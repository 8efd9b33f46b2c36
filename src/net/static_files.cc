#include "net/static_files.h"

#include <boost/url/parse.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace parley::net {
namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxFileSize = 16 * 1024 * 1024;

constexpr std::string_view kBuiltInPage = R"(<!doctype html>
<html><head><meta charset="utf-8"><title>Parley</title></head>
<body><h1>Parley is running</h1>
<p>WebSocket: <code>/ws</code> &middot; HTTP API: <code>POST /api/register</code>,
<code>POST /api/login</code> &middot; <a href="/healthz">/healthz</a> &middot;
<a href="/metrics">/metrics</a></p>
<p>Configure a web root to serve the browser client here.</p>
</body></html>
)";

std::string ContentType(const fs::path& path) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".ico", "image/x-icon"},
      {".webp", "image/webp"},
      {".wasm", "application/wasm"},
      {".woff2", "font/woff2"},
  };
  const std::string extension = path.extension().string();
  for (const auto& [ext, type] : kTypes) {
    if (extension == ext) return std::string(type);
  }
  return "application/octet-stream";
}

base::Error NotFound() { return base::MakeError(base::Code::kNotFound, "not found"); }

}  // namespace

base::Result<StaticFile> LoadStaticFile(std::string_view web_root, std::string_view target) {
  const auto url = boost::urls::parse_origin_form(target);
  if (!url) return base::MakeError(base::Code::kBadRequest, "malformed request target");

  // Decoded segments: "%2e%2e" is caught as "..", "%2F" as a '/' inside one.
  fs::path relative;
  for (const std::string segment : url->segments()) {
    if (segment.empty()) continue;  // "//" or a trailing '/'
    if (segment.front() == '.' || segment.find_first_of(std::string_view("/\\\0", 3)) !=
                                      std::string::npos) {
      return base::MakeError(base::Code::kBadRequest, "invalid path");
    }
    relative /= segment;
  }
  if (relative.empty()) relative = "index.html";

  if (web_root.empty()) {
    if (relative != "index.html") return NotFound();
    return StaticFile{"text/html; charset=utf-8", std::string(kBuiltInPage)};
  }

  fs::path path = fs::path(web_root) / relative;
  std::error_code error;
  if (fs::is_directory(path, error)) path /= "index.html";
  if (!fs::is_regular_file(path, error)) return NotFound();
  const std::uintmax_t size = fs::file_size(path, error);
  if (error) return NotFound();
  if (size > kMaxFileSize) return base::MakeError(base::Code::kTooLarge, "file too large");

  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound();
  StaticFile file{ContentType(path), {}};
  file.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return file;
}

}  // namespace parley::net
