#pragma once
// MediaCatalog as files under the media directory, shared by every process
// that shares the directory:
//
//   catalog/records/<id>.json                  the MediaRecord (record.h JSON)
//   catalog/cites/<id>/<hex conv>.<hex sender/msg_id>   one empty file per citation
//
// A record is written to a temporary file, fsync'd and renamed; a citation
// is an empty file whose directory entry is fsync'd. No lock is needed: a
// record never changes, and a citation exists or not.
//
// Threads: see catalog.h.

#include <filesystem>

#include "media/catalog.h"

namespace parley::media {

class FileCatalog final : public MediaCatalog {
 public:
  // Creates the directories; throws std::filesystem::filesystem_error when
  // it cannot (start-up only).
  explicit FileCatalog(std::filesystem::path root);

  base::Result<void> Put(const MediaRecord& record) override;
  base::Result<MediaRecord> Find(const std::string& media_id) override;
  base::Result<void> Cite(const std::string& media_id, const Citation& citation) override;
  base::Result<void> Release(const std::string& media_id, const Citation& citation) override;
  base::Result<std::vector<std::string>> CitingConversations(const std::string& media_id,
                                                             std::size_t limit) override;

 private:
  std::filesystem::path RecordPath(const std::string& media_id) const;
  std::filesystem::path CitePath(const std::string& media_id, const Citation& citation) const;

  const std::filesystem::path records_;
  const std::filesystem::path cites_;
};

}  // namespace parley::media
