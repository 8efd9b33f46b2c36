#pragma once
// Static files for GET / on the HTTP port (the browser client in web/).
//
// Files are read on each request, on the I/O thread: they are small and
// served from the page cache, and reading them fresh lets web/ be edited
// while the server runs. Not meant for large downloads (capped at 16 MiB).
//
// Pure function of the file system; any thread.

#include <string>
#include <string_view>

#include "base/error.h"

namespace parley::net {

struct StaticFile {
  std::string content_type;
  std::string body;
};

// The file that `target` ("/", "/app.js?v=2", "/img/logo.png") names under
// `web_root`; a directory serves its index.html. An empty `web_root` serves a
// built-in page at "/" and "/index.html" only.
// Errors: 400 for a target that could leave web_root (a "..", "." or hidden
// segment, an encoded '/' or '\\', a NUL); 404 for anything not found or
// not a regular file; 413 over the size cap.
base::Result<StaticFile> LoadStaticFile(std::string_view web_root, std::string_view target);

}  // namespace parley::net
