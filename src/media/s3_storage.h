#pragma once
// MediaStorage on S3-compatible object storage (--media-s3), for cluster
// mode: every gateway reads every object, none keeps one on local disk
// (uploads are spooled in a local directory while they arrive, then PUT).
//
// Put is one PUT of the spooled file, streamed from disk (a single PUT takes
// objects up to 5 GiB; media stop at --max-media-bytes); the server's 200 is
// the durability point. Open is a HEAD (the size), Read a ranged GET. Reads
// run on `io`, a pool of their own, never on the I/O thread that awaits
// them: each is a network round trip.
//
// Read-ahead: a download asks for 64 KiB at a time; one GET per chunk
// would cost a round trip per 64 KiB. A reader fetches a window that
// starts at the size asked for and doubles while the reads stay sequential,
// up to kMaxWindow, and serves the chunks after it from that buffer. So a
// Range request for a few bytes costs one small GET, a whole 20 MiB file
// about 25 GETs, and a reader holds at most kMaxWindow bytes.
//
// Threads: see storage.h.

#include <filesystem>
#include <memory>
#include <vector>

#include "media/s3_client.h"
#include "media/storage.h"
#include "media/workers.h"

namespace parley::media {

class S3Storage final : public MediaStorage {
 public:
  static constexpr std::size_t kMaxWindow = 1024 * 1024;

  // `spool`: a local directory of this process alone (created; files a
  // crash left there are removed). Throws std::filesystem::filesystem_error
  // when it cannot be made (start-up only). `io` runs the reads and must
  // outlive every reader.
  S3Storage(std::unique_ptr<S3Client> client, Workers& io, std::filesystem::path spool);

  base::Result<void> Put(const std::string& media_id, const std::filesystem::path& file,
                         std::string_view sha256) override;
  asio::awaitable<base::Result<std::unique_ptr<MediaReader>>> Open(std::string media_id) override;
  const std::filesystem::path& SpoolDir() const override { return spool_; }

 private:
  std::unique_ptr<S3Client> client_;
  Workers& io_;
  const std::filesystem::path spool_;
};

}  // namespace parley::media
