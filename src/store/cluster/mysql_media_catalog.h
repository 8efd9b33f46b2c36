#pragma once
// MediaCatalog in MariaDB/MySQL for cluster mode (with --media-s3): every
// gateway sees every upload's record and every citation, whichever gateway
// wrote them. Tables `media_object` (one row per record) and
// `media_citation` (one row per citing message), in schema.cc.
//
// Each call is one statement on a connection of its own (BlockingSessions,
// at most `options.threads` connections, one per media worker), and every
// statement is idempotent — Put and Cite are INSERT IGNORE, Release a DELETE
// by key — so a statement run again after a lost connection changes
// nothing twice. A record never changes once put (media ids are random).
//
// Threads: see media/catalog.h (blocking; callers run it on media::Workers).
//
// Errors: 404 for an unknown media id; 503 while MariaDB is unreachable;
// 500 otherwise.

#include "media/catalog.h"
#include "mysql/blocking_sessions.h"
#include "mysql/options.h"

namespace parley::store {

class MysqlMediaCatalog final : public media::MediaCatalog {
 public:
  // Connects lazily: the tables exist once the cluster store has opened.
  explicit MysqlMediaCatalog(mysql::Options options);

  base::Result<void> Put(const media::MediaRecord& record) override;
  base::Result<media::MediaRecord> Find(const std::string& media_id) override;
  base::Result<void> Cite(const std::string& media_id, const media::Citation& citation) override;
  base::Result<void> Release(const std::string& media_id, const media::Citation& citation) override;
  base::Result<std::vector<std::string>> CitingConversations(const std::string& media_id,
                                                             std::size_t limit) override;

 private:
  mysql::BlockingSessions sessions_;
};

}  // namespace parley::store
