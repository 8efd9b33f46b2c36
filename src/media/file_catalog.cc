#include "media/file_catalog.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

#include "media/dir_storage.h"
#include "media/spool_file.h"

namespace parley::media {
namespace fs = std::filesystem;

namespace {

base::Error NotFound() { return base::MakeError(base::Code::kNotFound, "no such media"); }

base::Error IoError(std::string_view what, const fs::path& path) {
  return base::MakeError(base::Code::kInternal, "media catalog: " + std::string(what) + " " +
                                                    path.string() + ": " + std::strerror(errno));
}

// Conversation ids and msg_ids may hold any printable ASCII ('/' included):
// hex makes any of them a file name.
std::string Hex(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() * 2);
  for (unsigned char c : text) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string Unhex(std::string_view hex) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1])));
  }
  return out;
}

}  // namespace

FileCatalog::FileCatalog(fs::path root)
    : records_(root / "catalog" / "records"), cites_(root / "catalog" / "cites") {
  fs::create_directories(records_);
  fs::create_directories(cites_);
}

fs::path FileCatalog::RecordPath(const std::string& media_id) const {
  return records_ / (media_id + ".json");
}

fs::path FileCatalog::CitePath(const std::string& media_id, const Citation& c) const {
  return cites_ / media_id / (Hex(c.conversation_id) + "." + Hex(c.sender_id + "/" + c.msg_id));
}

base::Result<void> FileCatalog::Put(const MediaRecord& record) {
  if (!IsValidMediaId(record.media_id)) {
    return base::MakeError(base::Code::kInternal, "bad media id");
  }
  PARLEY_ASSIGN_OR_RETURN(auto spool, SpoolFile::Create(records_));
  const std::string json = RecordToJson(record);
  if (auto wrote = spool->Write(json.data(), json.size()); !wrote) return wrote.error();
  if (auto closed = spool->Finish(); !closed) return closed.error();
  const fs::path target = RecordPath(record.media_id);
  if (!SyncPath(spool->path())) return IoError("fsync", spool->path());
  if (::rename(spool->path().c_str(), target.c_str()) != 0) return IoError("rename", target);
  spool->Release();
  if (!SyncPath(records_)) return IoError("fsync", records_);
  return {};
}

base::Result<MediaRecord> FileCatalog::Find(const std::string& media_id) {
  if (!IsValidMediaId(media_id)) return NotFound();
  std::ifstream in(RecordPath(media_id), std::ios::binary);
  if (!in) return NotFound();
  const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return RecordFromJson(json);
}

base::Result<void> FileCatalog::Cite(const std::string& media_id, const Citation& citation) {
  if (!IsValidMediaId(media_id)) return NotFound();
  const fs::path path = CitePath(media_id, citation);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return base::MakeError(base::Code::kInternal, "media catalog: mkdir failed");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("create", path);
  ::close(fd);
  if (!SyncPath(path.parent_path())) return IoError("fsync", path.parent_path());
  return {};
}

base::Result<void> FileCatalog::Release(const std::string& media_id, const Citation& citation) {
  if (!IsValidMediaId(media_id)) return {};
  const fs::path path = CitePath(media_id, citation);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return {};
    return IoError("unlink", path);
  }
  if (!SyncPath(path.parent_path())) return IoError("fsync", path.parent_path());
  return {};
}

base::Result<std::vector<std::string>> FileCatalog::CitingConversations(const std::string& media_id,
                                                                        std::size_t limit) {
  std::vector<std::string> out;
  if (!IsValidMediaId(media_id)) return out;
  std::error_code ec;
  fs::directory_iterator it(cites_ / media_id, ec);
  if (ec) return out;  // never cited
  std::set<std::string> seen;
  for (; it != fs::directory_iterator() && out.size() < limit; it.increment(ec)) {
    if (ec) break;
    const std::string file = it->path().filename().string();
    const std::string conversation = Unhex(file.substr(0, file.find('.')));
    if (seen.insert(conversation).second) out.push_back(conversation);
  }
  return out;
}

}  // namespace parley::media
