#include "core/media_service.h"

#include <boost/json/serialize.hpp>

#include "core/conversation_access.h"
#include "media/sniff.h"
#include "media/thumbnail.h"

namespace parley::core {

namespace {

base::Error NoSuchMedia() { return base::MakeError(base::Code::kNotFound, "no such media"); }

// A display name: at most 255 bytes, no control characters (it ends up in
// a Content-Disposition header and in other users' clients).
std::string CleanName(std::string name) {
  std::string out;
  for (unsigned char c : name) {
    if (c >= 0x20 && c != 0x7f) out.push_back(static_cast<char>(c));
    if (out.size() >= 255) break;
  }
  return out;
}

// The type a media message's msg_type promises, where a client relies on
// it: an image message is shown inline, so it must be an image.
base::Result<void> CheckMsgType(std::int64_t msg_type, const media::MediaRecord& record) {
  if (msg_type == 2 && !media::IsImageType(record.content_type)) {
    return base::MakeError(
        base::Code::kBadRequest,
        "msg_type 2 (image) needs a JPEG, PNG, GIF or WebP media, not " + record.content_type);
  }
  return {};
}

}  // namespace

MediaService::MediaService(Store& store, media::MediaStorage& storage, media::MediaCatalog& catalog,
                           media::Workers& workers, const base::Clock& clock,
                           base::Metrics& metrics, MediaOptions options)
    : store_(store),
      storage_(storage),
      catalog_(catalog),
      workers_(workers),
      clock_(clock),
      metrics_(metrics),
      options_(options) {}

base::Result<std::unique_ptr<media::SpoolFile>> MediaService::NewSpool() {
  return media::SpoolFile::Create(storage_.SpoolDir());
}

base::Result<media::MediaRecord> MediaService::Ingest(const std::string& uploader,
                                                      media::SpoolFile& spool,
                                                      const std::string& sha256,
                                                      const std::string& name) {
  media::MediaRecord record;
  record.media_id = media::NewMediaId();
  record.uploader = uploader;
  record.content_type = media::SniffContentType(spool.path());
  record.size = spool.size();
  record.sha256 = sha256;
  record.name = name;
  record.created_at = clock_.NowMs();

  if (media::IsImageType(record.content_type)) {
    // Not an error when it fails: the file is stored as it is, without
    // dimensions or thumbnail (a truncated or hostile image).
    if (auto size = media::ProbeImage(spool.path())) {
      record.width = size->width;
      record.height = size->height;
      if (auto thumb = StoreThumbnail(record, spool.path())) record.thumbnail_id = *thumb;
    }
  }
  if (auto put = storage_.Put(record.media_id, spool.path(), record.sha256); !put) {
    return put.error();
  }
  spool.Release();
  if (auto put = catalog_.Put(record); !put) return put.error();
  return record;
}

base::Result<std::string> MediaService::StoreThumbnail(const media::MediaRecord& image,
                                                       const std::filesystem::path& file) {
  media::MediaRecord t;
  t.media_id = media::NewMediaId();
  const std::filesystem::path out = storage_.SpoolDir() / (t.media_id + ".thumb");
  auto made =
      media::MakeThumbnail(file, out, options_.thumbnail_side, options_.max_thumbnail_pixels);
  if (!made) return made.error();
  auto hashed = media::HashFile(out);
  if (!hashed) {
    std::error_code ignored;
    std::filesystem::remove(out, ignored);
    return hashed.error();
  }
  t.uploader = image.uploader;
  t.content_type = made->content_type;
  t.size = hashed->size;
  t.sha256 = hashed->sha256;
  t.width = made->size.width;
  t.height = made->size.height;
  t.parent_id = image.media_id;
  t.created_at = image.created_at;
  if (auto put = storage_.Put(t.media_id, out, t.sha256); !put) {
    std::error_code ignored;
    std::filesystem::remove(out, ignored);
    return put.error();
  }
  if (auto put = catalog_.Put(t); !put) return put.error();
  return t.media_id;
}

asio::awaitable<base::Result<media::MediaRecord>> MediaService::StoreUpload(
    std::string uploader, std::unique_ptr<media::SpoolFile> spool, std::string sha256,
    std::string name) {
  name = CleanName(std::move(name));
  media::SpoolFile* file = spool.get();
  auto job = [this, &uploader, file, &sha256, &name] {
    return Ingest(uploader, *file, sha256, name);
  };
  base::Result<media::MediaRecord> stored = co_await workers_.Run(std::move(job));
  if (stored) {
    base::Bump(metrics_.media_uploads_total);
    base::Bump(metrics_.media_upload_bytes_total, static_cast<std::uint64_t>(stored->size));
  }
  co_return stored;
}

asio::awaitable<base::Result<media::MediaRecord>> MediaService::FindReadable(
    const std::string& user_id, const std::string& media_id) {
  if (!media::IsValidMediaId(media_id)) co_return NoSuchMedia();
  auto find = [this, &media_id] { return catalog_.Find(media_id); };
  base::Result<media::MediaRecord> record = co_await workers_.Run(find);
  if (!record) co_return record.error();
  // A thumbnail is governed by its image.
  media::MediaRecord governing = *record;
  if (!record->parent_id.empty()) {
    auto find_parent = [this, &record] { return catalog_.Find(record->parent_id); };
    base::Result<media::MediaRecord> parent = co_await workers_.Run(find_parent);
    if (!parent) co_return parent.error();
    governing = std::move(*parent);
  }
  if (governing.uploader == user_id) co_return record;
  auto list = [this, &governing] {
    return catalog_.CitingConversations(governing.media_id, options_.max_citations_checked);
  };
  base::Result<std::vector<std::string>> citing = co_await workers_.Run(list);
  if (!citing) co_return citing.error();
  const Caller reader{user_id, 0};
  for (const std::string& conversation_id : *citing) {
    base::Result<ConversationTarget> target =
        co_await ResolveConversation(store_, reader, conversation_id);
    if (target) co_return record;
    const base::Code code = target.error().code;
    // Anything but "not yours" / "gone" is the store failing: say so
    // rather than a misleading 404.
    if (code != base::Code::kForbidden && code != base::Code::kNotFound &&
        code != base::Code::kBadRequest) {
      co_return target.error();
    }
  }
  co_return NoSuchMedia();
}

asio::awaitable<base::Result<MediaDownload>> MediaService::OpenForRead(std::string user_id,
                                                                       std::string media_id) {
  PARLEY_CO_ASSIGN_OR_RETURN(media::MediaRecord record, co_await FindReadable(user_id, media_id));
  base::Result<std::unique_ptr<media::MediaReader>> reader = co_await storage_.Open(record.media_id);
  if (!reader) co_return reader.error();
  co_return MediaDownload{std::move(record), std::move(*reader)};
}

asio::awaitable<base::Result<std::string>> MediaService::AttachToMessage(std::string sender,
                                                                         std::string media_id,
                                                                         std::int64_t msg_type,
                                                                         media::Citation citation) {
  PARLEY_CO_ASSIGN_OR_RETURN(media::MediaRecord record, co_await FindReadable(sender, media_id));
  if (!record.parent_id.empty()) {
    co_return base::MakeError(base::Code::kBadRequest,
                              "media_id names a thumbnail; send the image's media_id");
  }
  if (auto checked = CheckMsgType(msg_type, record); !checked) co_return checked.error();
  auto cite = [this, &media_id, &citation] { return catalog_.Cite(media_id, citation); };
  base::Result<void> cited = co_await workers_.Run(cite);
  if (!cited) co_return cited.error();
  co_return boost::json::serialize(media::PublicFields(record));
}

asio::awaitable<base::Result<void>> MediaService::Release(std::string media_id,
                                                          media::Citation citation) {
  auto release = [this, &media_id, &citation] { return catalog_.Release(media_id, citation); };
  base::Result<void> released = co_await workers_.Run(release);
  co_return released;
}

}  // namespace parley::core
