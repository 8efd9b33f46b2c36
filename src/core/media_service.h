#pragma once
// Media uploads, downloads and their access rule (docs/protocol.md "Media"):
// a media may be read by its uploader and by the current members of any
// conversation with a message citing it; to anyone else it does not exist
// (404, so ids cannot be probed). A thumbnail is read by whoever may read its
// image.
//
// net/ streams the bytes (an upload into a media::SpoolFile, a download out
// of a media::MediaReader); this class decides and records. The blocking
// parts (fsync or the object store's PUT, libmagic, libvips, the catalog's
// files or MariaDB rows) run on media::Workers; a reader's reads run where
// its storage puts them (storage.h).
//
// Threads: every method may be called from any I/O thread's coroutine and
// resumes it on its executor.

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/error.h"
#include "base/metrics.h"
#include "core/caller.h"
#include "core/store.h"
#include "media/catalog.h"
#include "media/media_record.h"
#include "media/spool_file.h"
#include "media/storage.h"
#include "media/workers.h"

namespace parley::core {

struct MediaOptions {
  std::int64_t max_bytes = 25 * 1024 * 1024;  // --max-media-bytes
  int thumbnail_side = 320;                   // longest side of a thumbnail, px
  // Images above this many pixels get no thumbnail (nor a decode): 50 Mpx
  // is a large camera's photo; a decompression bomb claims far more.
  std::int64_t max_thumbnail_pixels = 50'000'000;
  // A media cited in more conversations than this is readable through the
  // first ones found only: bounds the store reads of one download.
  std::size_t max_citations_checked = 256;
};

struct MediaDownload {
  media::MediaRecord record;
  std::unique_ptr<media::MediaReader> reader;
};

class MediaService {
 public:
  MediaService(Store& store, media::MediaStorage& storage, media::MediaCatalog& catalog,
               media::Workers& workers, const base::Clock& clock, base::Metrics& metrics,
               MediaOptions options);

  const MediaOptions& options() const { return options_; }

  // A spool file for an upload that is about to arrive (net writes into it).
  base::Result<std::unique_ptr<media::SpoolFile>> NewSpool();

  // Stores a completely received upload (`spool` Finish()ed, `sha256` its
  // hash): sniffs its type, makes an image's thumbnail, moves it into
  // storage and records it. `name` is the client's ?name= (cleaned here).
  asio::awaitable<base::Result<media::MediaRecord>> StoreUpload(
      std::string uploader, std::unique_ptr<media::SpoolFile> spool, std::string sha256,
      std::string name);

  // The record and an open reader, when `user_id` may read the media; 404
  // for an unknown id and for a media the user may not read alike.
  asio::awaitable<base::Result<MediaDownload>> OpenForRead(std::string user_id,
                                                           std::string media_id);

  // The media a CHAT of `msg_type` (2-5) carries, checked and cited by the
  // message `citation` before it is appended: it exists (404), the sender
  // may read it (404 otherwise), an image message carries an image (400).
  // Returns payload.media as the catalog knows it: a client cannot make a
  // media look like another type or size.
  asio::awaitable<base::Result<std::string>> AttachToMessage(std::string sender,
                                                             std::string media_id,
                                                             std::int64_t msg_type,
                                                             media::Citation citation);

  // The message `citation` no longer cites the media (recalled); the media
  // stays readable through the conversation's other citing messages.
  asio::awaitable<base::Result<void>> Release(std::string media_id, media::Citation citation);

 private:
  // Blocking: runs on a worker.
  base::Result<media::MediaRecord> Ingest(const std::string& uploader, media::SpoolFile& spool,
                                          const std::string& sha256, const std::string& name);
  // Makes, stores and records the thumbnail of `image` (at `file`); its id.
  base::Result<std::string> StoreThumbnail(const media::MediaRecord& image,
                                           const std::filesystem::path& file);
  asio::awaitable<base::Result<media::MediaRecord>> FindReadable(const std::string& user_id,
                                                                 const std::string& media_id);

  Store& store_;
  media::MediaStorage& storage_;
  media::MediaCatalog& catalog_;
  media::Workers& workers_;
  const base::Clock& clock_;
  base::Metrics& metrics_;
  const MediaOptions options_;
};

}  // namespace parley::core
