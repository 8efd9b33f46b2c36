#include "media/media_record.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace parley::media {
namespace json = boost::json;

namespace {

base::Error Malformed(std::string_view what) {
  return base::MakeError(base::Code::kInternal, "malformed media record: " + std::string(what));
}

std::string StringOf(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::int64_t IntOf(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string RecordToJson(const MediaRecord& r) {
  json::object o{
      {"media_id", r.media_id},   {"uploader", r.uploader},    {"content_type", r.content_type},
      {"size", r.size},           {"sha256", r.sha256},        {"name", r.name},
      {"width", r.width},         {"height", r.height},        {"thumbnail_id", r.thumbnail_id},
      {"parent_id", r.parent_id}, {"created_at", r.created_at}};
  return json::serialize(o);
}

base::Result<MediaRecord> RecordFromJson(std::string_view json_text) {
  boost::system::error_code ec;
  json::value v = json::parse(json_text, ec);
  if (ec || !v.is_object()) return Malformed("not a JSON object");
  const json::object& o = v.get_object();
  MediaRecord r;
  r.media_id = StringOf(o, "media_id");
  if (!IsValidMediaId(r.media_id)) return Malformed("bad media_id");
  r.uploader = StringOf(o, "uploader");
  r.content_type = StringOf(o, "content_type");
  r.size = IntOf(o, "size");
  r.sha256 = StringOf(o, "sha256");
  r.name = StringOf(o, "name");
  r.width = IntOf(o, "width");
  r.height = IntOf(o, "height");
  r.thumbnail_id = StringOf(o, "thumbnail_id");
  r.parent_id = StringOf(o, "parent_id");
  r.created_at = IntOf(o, "created_at");
  return r;
}

json::object PublicFields(const MediaRecord& r) {
  json::object o{{"media_id", r.media_id},
                 {"content_type", r.content_type},
                 {"size", r.size},
                 {"sha256", r.sha256}};
  if (!r.name.empty()) o["name"] = r.name;
  if (r.width > 0 && r.height > 0) {
    o["width"] = r.width;
    o["height"] = r.height;
  }
  if (!r.thumbnail_id.empty()) o["thumbnail_id"] = r.thumbnail_id;
  return o;
}

std::string NewMediaId() {
  std::array<unsigned char, 16> bytes{};
  // RAND_bytes fails only when the system has no entropy source at all.
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) std::abort();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(32);
  for (unsigned char b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 15]);
  }
  return id;
}

bool IsValidMediaId(std::string_view id) {
  return id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool IsImageType(std::string_view t) {
  return t == "image/jpeg" || t == "image/png" || t == "image/gif" || t == "image/webp";
}

std::string_view ServedContentType(std::string_view t) {
  if (IsImageType(t) || StartsWith(t, "audio/") || StartsWith(t, "video/") ||
      t == "application/pdf" || t == "text/plain" || t == "application/zip" ||
      t == "application/gzip") {
    return t;
  }
  return "application/octet-stream";
}

}  // namespace parley::media
