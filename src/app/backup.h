#pragma once
// Online backup of an embedded node (docs/operations.md "Backup and
// restore"): while it serves, into a new directory that is a complete
// --data-dir: the RocksDB checkpoint (every message acknowledged before the
// backup started), the JWT secret, and the media files with their catalog.
// Restore: start parleyd with --data-dir on it (or on a copy of it).
//
// Threads: blocks (a flush, file copies): run it off the I/O threads.

#include <cstdint>
#include <filesystem>

#include <boost/json/object.hpp>

#include "base/error.h"

namespace parley::store {
class RocksStore;
}

namespace parley::app {

struct BackupSources {
  store::RocksStore& store;
  std::filesystem::path data_dir;   // where the jwt_secret file lives
  std::filesystem::path media_dir;  // empty: no media
  std::filesystem::path spool_dir;  // uploads still arriving, inside media_dir: not copied
};

// `target` must be absolute, must not exist, and its parent must. Media
// files are hard-linked when on the same filesystem (they never change once
// stored), else copied. Returns {"dir","media_files","seconds"}. 400 for a
// bad target, 409 when it exists, 500 when a copy fails (the partial
// directory is removed).
base::Result<boost::json::object> BackUp(const BackupSources& sources,
                                         const std::filesystem::path& target);

}  // namespace parley::app
