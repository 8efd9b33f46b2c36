#pragma once
// MediaStorage on a directory (--media-dir): objects/<first 2 hex>/<id>,
// uploads spooled in tmp/. Put fsyncs the file, renames it into place and
// fsyncs the directory, so an object is either whole or absent after a crash.
// Several gateways may share the directory (NFS or similar): names are
// random and objects never change.
//
// Threads: see storage.h.

#include "media/storage.h"

namespace parley::media {

class DirStorage final : public MediaStorage {
 public:
  // Creates the directories; throws std::filesystem::filesystem_error when
  // it cannot (start-up only). Spool files left by a crash are removed.
  explicit DirStorage(std::filesystem::path root);

  base::Result<void> Put(const std::string& media_id, const std::filesystem::path& file,
                         std::string_view sha256) override;
  // Opens and reads on the calling thread: local files, served from the
  // page cache like the embedded store's reads.
  asio::awaitable<base::Result<std::unique_ptr<MediaReader>>> Open(std::string media_id) override;
  const std::filesystem::path& SpoolDir() const override { return spool_; }

 private:
  std::filesystem::path PathOf(const std::string& media_id) const;
  base::Result<std::unique_ptr<MediaReader>> OpenFile(const std::string& media_id) const;

  const std::filesystem::path root_;
  const std::filesystem::path spool_;
};

// fsync of a file or directory by path; false on failure.
bool SyncPath(const std::filesystem::path& path);

}  // namespace parley::media
