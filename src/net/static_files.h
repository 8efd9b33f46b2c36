#pragma once
// Static files for GET / on the HTTP port (the browser client in web/).
//
// Files are read on each request, on the I/O thread: they are small and
// served from the page cache, and reading them fresh lets web/ be edited
// while the server runs. Not meant for large downloads (capped at 16 MiB).
//
// Symlinks: a file is served only when its path, every symlink resolved,
// lies under the resolved WebRoot::boundary (by default the web root
// itself). A symlink inside the web root that points inside it is followed;
// one that leads out (a file or a directory, however deep) is 404. The check
// is made on the opened descriptor, not on the name before opening, so a
// symlink swapped in between is caught too.
//
// Pure function of the file system; any thread.

#include <string>
#include <string_view>

#include "base/error.h"
#include "net/options.h"

namespace parley::net {

struct StaticFile {
  std::string content_type;
  std::string body;
};

// The file that `target` ("/", "/app.js?v=2", "/img/logo.png") names under
// `root.dir`; a directory serves its index.html. An empty `root.dir` serves
// a built-in page at "/" and "/index.html" only.
// Errors: 400 for a target that could leave the web root (a "..", "." or
// hidden segment, an encoded '/' or '\\', a NUL); 404 for anything not
// found, not a regular file, or outside the boundary once symlinks are
// resolved; 413 over the size cap.
base::Result<StaticFile> LoadStaticFile(const WebRoot& root, std::string_view target);

}  // namespace parley::net
