#pragma once
// What is known of stored media: their records and which messages cite them
// (the access rule of docs/protocol.md "Media": the uploader and the members
// of a conversation whose message cites the media may read it).
//
// Citations are counted per citing message: (conversation, sender, msg_id).
// A conversation cites a media while at least one of its messages does, so
// recalling one of two messages that carry the same picture keeps it
// readable. Cite is idempotent (a CHAT retry cites once).
//
// Threads: every method is safe from any thread and blocks (file I/O,
// fsync): callers run them on Workers.
//
// Errors: 404 for an unknown media id, 500 for an I/O failure.

#include <cstddef>
#include <string>
#include <vector>

#include "base/error.h"
#include "media/media_record.h"

namespace parley::media {

struct Citation {
  std::string conversation_id;
  std::string sender_id;
  std::string msg_id;
};

class MediaCatalog {
 public:
  virtual ~MediaCatalog() = default;

  // Durable before it returns. Records never change once put.
  virtual base::Result<void> Put(const MediaRecord& record) = 0;
  virtual base::Result<MediaRecord> Find(const std::string& media_id) = 0;

  // Durable before it returns, so a message that is acknowledged never
  // cites a media its readers cannot fetch.
  virtual base::Result<void> Cite(const std::string& media_id, const Citation& citation) = 0;
  // Removes the one citation (e.g. the message was recalled); no error when
  // it was not there.
  virtual base::Result<void> Release(const std::string& media_id, const Citation& citation) = 0;
  // The distinct conversations citing the media, at most `limit`.
  virtual base::Result<std::vector<std::string>> CitingConversations(const std::string& media_id,
                                                                     std::size_t limit) = 0;
};

}  // namespace parley::media
