#include "migrate/media_copy.h"

#include <filesystem>

namespace parley::migrate {

base::Result<std::int64_t> CopyMediaDir(const std::string& from, const std::string& to) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(from, ec)) {
    return base::MakeError(base::Code::kNotFound, "no media directory '" + from + "'");
  }
  auto failed = [&](const fs::path& path) {
    return base::MakeError(base::Code::kInternal,
                           "copying media '" + path.string() + "': " + ec.message());
  };
  std::int64_t copied = 0;
  fs::recursive_directory_iterator it(from, ec);
  if (ec) return failed(from);
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return failed(it->path());
    const fs::path relative = fs::relative(it->path(), from, ec);
    if (relative.begin() != relative.end() && *relative.begin() == "tmp") {
      it.disable_recursion_pending();
      continue;
    }
    const fs::path destination = fs::path(to) / relative;
    if (it->is_directory(ec)) {
      fs::create_directories(destination, ec);
      if (ec) return failed(destination);
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    std::error_code missing;
    if (fs::file_size(destination, missing) == it->file_size(ec) && !missing) continue;
    fs::create_directories(destination.parent_path(), ec);
    fs::copy_file(it->path(), destination, fs::copy_options::overwrite_existing, ec);
    if (ec) return failed(destination);
    ++copied;
  }
  return copied;
}

}  // namespace parley::migrate
