#include "store/cluster/mysql_media_catalog.h"

#include <charconv>

namespace parley::store {
namespace {

using mysql::Param;
using mysql::QueryResult;
using mysql::Session;

base::Error NoSuchMedia() { return base::MakeError(base::Code::kNotFound, "no such media"); }

std::int64_t IntOf(const std::optional<std::string>& text) {
  std::int64_t value = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), value);
  return value;
}

std::string TextOf(const std::optional<std::string>& text) { return text.value_or(""); }

}  // namespace

MysqlMediaCatalog::MysqlMediaCatalog(mysql::Options options) : sessions_(std::move(options)) {}

base::Result<void> MysqlMediaCatalog::Put(const media::MediaRecord& r) {
  if (!media::IsValidMediaId(r.media_id)) {
    return base::MakeError(base::Code::kInternal, "bad media id");
  }
  const std::vector<Param> params = {r.media_id,     r.uploader,  r.content_type, r.size,
                                     r.sha256,       r.name,      r.width,        r.height,
                                     r.thumbnail_id, r.parent_id, r.created_at};
  base::Result<QueryResult> done = sessions_.Run([&params](Session& session) {
    return session.Execute(
        "INSERT IGNORE INTO media_object (media_id, uploader, content_type, size, sha256, name, "
        "width, height, thumbnail_id, parent_id, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params);
  });
  if (!done) return done.error();
  return {};
}

base::Result<media::MediaRecord> MysqlMediaCatalog::Find(const std::string& media_id) {
  if (!media::IsValidMediaId(media_id)) return NoSuchMedia();
  base::Result<QueryResult> found = sessions_.Run([&media_id](Session& session) {
    return session.Execute(
        "SELECT uploader, content_type, size, sha256, name, width, height, thumbnail_id, "
        "parent_id, created_at FROM media_object WHERE media_id = ?",
        {Param(media_id)});
  });
  if (!found) return found.error();
  if (found->rows.empty()) return NoSuchMedia();
  const mysql::Row& row = found->rows.front();
  if (row.size() != 10) return base::MakeError(base::Code::kInternal, "media_object: bad row");
  media::MediaRecord r;
  r.media_id = media_id;
  r.uploader = TextOf(row[0]);
  r.content_type = TextOf(row[1]);
  r.size = IntOf(row[2]);
  r.sha256 = TextOf(row[3]);
  r.name = TextOf(row[4]);
  r.width = IntOf(row[5]);
  r.height = IntOf(row[6]);
  r.thumbnail_id = TextOf(row[7]);
  r.parent_id = TextOf(row[8]);
  r.created_at = IntOf(row[9]);
  return r;
}

base::Result<void> MysqlMediaCatalog::Cite(const std::string& media_id, const media::Citation& c) {
  if (!media::IsValidMediaId(media_id)) return NoSuchMedia();
  const std::vector<Param> params = {media_id, c.conversation_id, c.sender_id, c.msg_id};
  base::Result<QueryResult> done = sessions_.Run([&params](Session& session) {
    return session.Execute(
        "INSERT IGNORE INTO media_citation (media_id, conversation_id, sender_id, msg_id) "
        "VALUES (?, ?, ?, ?)",
        params);
  });
  if (!done) return done.error();
  return {};
}

base::Result<void> MysqlMediaCatalog::Release(const std::string& media_id,
                                              const media::Citation& c) {
  if (!media::IsValidMediaId(media_id)) return {};
  const std::vector<Param> params = {media_id, c.conversation_id, c.sender_id, c.msg_id};
  base::Result<QueryResult> done = sessions_.Run([&params](Session& session) {
    return session.Execute(
        "DELETE FROM media_citation WHERE media_id = ? AND conversation_id = ? AND "
        "sender_id = ? AND msg_id = ?",
        params);
  });
  if (!done) return done.error();
  return {};
}

base::Result<std::vector<std::string>> MysqlMediaCatalog::CitingConversations(
    const std::string& media_id, std::size_t limit) {
  std::vector<std::string> out;
  if (!media::IsValidMediaId(media_id) || limit == 0) return out;
  const std::vector<Param> params = {media_id, static_cast<std::int64_t>(limit)};
  base::Result<QueryResult> found = sessions_.Run([&params](Session& session) {
    return session.Execute(
        "SELECT DISTINCT conversation_id FROM media_citation WHERE media_id = ? LIMIT ?", params);
  });
  if (!found) return found.error();
  for (const mysql::Row& row : found->rows) {
    if (!row.empty() && row[0]) out.push_back(*row[0]);
  }
  return out;
}

}  // namespace parley::store
