#pragma once
// What the catalog knows of one stored media object (docs/protocol.md
// "Media"), its JSON forms, and the rules on ids and types.
// Pure functions, any thread.

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"

namespace parley::media {

struct MediaRecord {
  std::string media_id;      // 32 lower-case hex digits (NewMediaId)
  std::string uploader;      // user id
  std::string content_type;  // sniffed from the bytes, never the client's
  std::int64_t size = 0;
  std::string sha256;      // lower-case hex; also the ETag
  std::string name;        // the client's ?name=, for display only
  std::int64_t width = 0;  // images; 0 otherwise
  std::int64_t height = 0;
  std::string thumbnail_id;  // an image's thumbnail, when one was made
  // A thumbnail: the media it was made of. Its readers are that media's.
  std::string parent_id;
  std::int64_t created_at = 0;  // ms since the epoch
};

// The catalog's form (every field).
std::string RecordToJson(const MediaRecord& record);
base::Result<MediaRecord> RecordFromJson(std::string_view json_text);

// What clients see, in the upload answer and a message's payload.media:
// {media_id, content_type, size, sha256, name?, width?, height?, thumbnail_id?}.
boost::json::object PublicFields(const MediaRecord& record);

// A fresh random id (OpenSSL RAND_bytes): 128 bits, so ids cannot be guessed.
std::string NewMediaId();
bool IsValidMediaId(std::string_view id);

// JPEG, PNG, GIF and WebP: thumbnailed, served inline. Anything else is
// served as an attachment.
bool IsImageType(std::string_view content_type);

// The Content-Type a download is served with: the sniffed type when a
// browser cannot be talked into running it (images above, audio, video,
// PDF, plain text, archives), else application/octet-stream, so an HTML or
// SVG upload never renders as a page of this origin.
std::string_view ServedContentType(std::string_view content_type);

}  // namespace parley::media
