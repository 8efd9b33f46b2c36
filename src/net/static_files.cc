#include "net/static_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <optional>
#include <utility>

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

// A descriptor opened for reading, closed with this object.
class ReadOnlyFile {
 public:
  ReadOnlyFile(int fd, const struct stat& info) : fd_(fd), info_(info) {}
  ReadOnlyFile(ReadOnlyFile&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), info_(other.info_) {}
  ReadOnlyFile& operator=(ReadOnlyFile&& other) noexcept {
    std::swap(fd_, other.fd_);  // `other` closes the one this held
    info_ = other.info_;
    return *this;
  }
  ~ReadOnlyFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  int fd() const { return fd_; }
  const struct stat& info() const { return info_; }

 private:
  int fd_;
  struct stat info_;
};

bool IsUnder(const fs::path& path, const fs::path& dir) {
  return std::mismatch(dir.begin(), dir.end(), path.begin(), path.end()).first == dir.end();
}

// Opens `path`, then proves that what it opened lies under `boundary` (a
// canonical path): the name resolved now (every symlink followed) must be
// under it and name the same file (device and inode) as the descriptor. A
// symlink swapped between the open and the check makes the two differ, so
// what is read is always what was checked. O_NONBLOCK: opening a FIFO must
// not hang the I/O thread (it is refused below as not a regular file).
std::optional<ReadOnlyFile> OpenUnder(const fs::path& path, const fs::path& boundary) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  ReadOnlyFile file(fd, info);
  std::error_code error;
  const fs::path resolved = fs::canonical(path, error);
  if (error || !IsUnder(resolved, boundary)) return std::nullopt;
  struct stat named {};
  if (::stat(resolved.c_str(), &named) != 0 || named.st_dev != info.st_dev ||
      named.st_ino != info.st_ino) {
    return std::nullopt;
  }
  return file;
}

}  // namespace

base::Result<StaticFile> LoadStaticFile(const WebRoot& root, std::string_view target) {
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

  if (root.dir.empty()) {
    if (relative != "index.html") return NotFound();
    return StaticFile{"text/html; charset=utf-8", std::string(kBuiltInPage)};
  }

  // Resolved on each request, like the files: a web root that is a symlink
  // to the current release may be switched while the server runs.
  std::error_code error;
  const fs::path dir = fs::canonical(root.dir, error);
  if (error) return NotFound();
  const fs::path boundary = root.boundary.empty() ? dir : fs::canonical(root.boundary, error);
  if (error) return NotFound();

  fs::path path = dir / relative;
  std::optional<ReadOnlyFile> file = OpenUnder(path, boundary);
  if (file && S_ISDIR(file->info().st_mode)) {
    path /= "index.html";
    file = OpenUnder(path, boundary);
  }
  if (!file || !S_ISREG(file->info().st_mode)) return NotFound();
  const auto size = static_cast<std::uintmax_t>(file->info().st_size);
  if (size > kMaxFileSize) return base::MakeError(base::Code::kTooLarge, "file too large");

  StaticFile loaded{ContentType(path), std::string(size, '\0')};
  std::size_t done = 0;
  while (done < loaded.body.size()) {
    const ssize_t n = ::read(file->fd(), loaded.body.data() + done, loaded.body.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return NotFound();
    if (n == 0) break;  // shrank since fstat: serve what is there
    done += static_cast<std::size_t>(n);
  }
  loaded.body.resize(done);
  return loaded;
}

}  // namespace parley::net
