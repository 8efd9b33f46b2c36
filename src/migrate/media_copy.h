#pragma once
// The media directory of an embedded node (objects and their file catalog,
// media/dir_storage.h and media/file_catalog.h) copied into the directory
// the cluster's gateways share (--media-dir): the same layout serves both.
// Files already there with the same size are skipped, so a resumed copy
// continues; the spool of unfinished uploads (tmp/) is left out.
//
// Errors: 404 when `from` does not exist, 500 for an I/O failure.

#include <cstdint>
#include <string>

#include "base/error.h"

namespace parley::migrate {

// The number of files copied.
base::Result<std::int64_t> CopyMediaDir(const std::string& from, const std::string& to);

}  // namespace parley::migrate
