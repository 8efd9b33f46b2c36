#include "media/sniff.h"

#include <magic.h>

namespace parley::media {

namespace {

constexpr const char* kUnknown = "application/octet-stream";

// Loaded once per thread (the database load costs a few ms); lives as long
// as the thread.
magic_t ThreadMagic() {
  struct Handle {
    magic_t cookie = nullptr;
    Handle() {
      // MAGIC_NO_CHECK_COMPRESS: never decompress to look inside (a zip bomb
      // would cost CPU and memory for nothing).
      cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
      if (cookie != nullptr && magic_load(cookie, nullptr) != 0) {
        magic_close(cookie);
        cookie = nullptr;
      }
    }
    ~Handle() {
      if (cookie != nullptr) magic_close(cookie);
    }
  };
  thread_local Handle handle;
  return handle.cookie;
}

std::string OrUnknown(const char* type) {
  return type != nullptr && *type != '\0' ? std::string(type) : std::string(kUnknown);
}

}  // namespace

std::string SniffContentType(const std::filesystem::path& file) {
  magic_t cookie = ThreadMagic();
  if (cookie == nullptr) return kUnknown;
  return OrUnknown(magic_file(cookie, file.c_str()));
}

std::string SniffContentType(const void* data, std::size_t size) {
  magic_t cookie = ThreadMagic();
  if (cookie == nullptr) return kUnknown;
  return OrUnknown(magic_buffer(cookie, data, size));
}

}  // namespace parley::media
