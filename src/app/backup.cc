#include "app/backup.h"

#include <chrono>
#include <system_error>

#include "store/rocks/rocks_store.h"

namespace parley::app {
namespace fs = std::filesystem;
namespace {

constexpr const char* kJwtSecretFile = "jwt_secret";

base::Error Failed(const std::string& what, const std::error_code& ec) {
  return base::MakeError(base::Code::kInternal, what + ": " + ec.message());
}

// A link to the immutable file, or a copy across filesystems.
std::error_code LinkOrCopy(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_hard_link(from, to, ec);
  if (!ec) return ec;
  fs::copy_file(from, to, fs::copy_options::none, ec);
  return ec;
}

base::Result<std::int64_t> CopyMedia(const fs::path& media_dir, const fs::path& spool_dir,
                                     const fs::path& target) {
  std::error_code ec;
  if (!fs::exists(media_dir, ec)) return 0;
  std::int64_t files = 0;
  fs::recursive_directory_iterator it(media_dir, ec);
  if (ec) return Failed("reading " + media_dir.string(), ec);
  for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) return Failed("reading " + media_dir.string(), ec);
    const fs::path relative = fs::relative(it->path(), media_dir, ec);
    if (ec) return Failed("reading " + it->path().string(), ec);
    if (it->is_directory()) {
      if (fs::equivalent(it->path(), spool_dir, ec)) {
        it.disable_recursion_pending();
        continue;
      }
      fs::create_directories(target / relative, ec);
      if (ec) return Failed("creating " + (target / relative).string(), ec);
      continue;
    }
    if (!it->is_regular_file()) continue;
    ec = LinkOrCopy(it->path(), target / relative);
    if (ec) return Failed("copying " + it->path().string(), ec);
    ++files;
  }
  return files;
}

}  // namespace

base::Result<boost::json::object> BackUp(const BackupSources& sources, const fs::path& target) {
  const auto started = std::chrono::steady_clock::now();
  if (!target.is_absolute()) {
    return base::MakeError(base::Code::kBadRequest, "the backup dir must be an absolute path");
  }
  std::error_code ec;
  if (!fs::is_directory(target.parent_path(), ec)) {
    return base::MakeError(base::Code::kBadRequest,
                           "'" + target.parent_path().string() + "' is not a directory");
  }
  if (fs::exists(target, ec)) {
    return base::MakeError(base::Code::kConflict,
                           "'" + target.string() + "' exists; name a new directory");
  }
  // The checkpoint first: it is the point in time of the backup. Media and
  // the secret only grow or stay: copied after, they cover it.
  base::Result<void> checkpoint = sources.store.Checkpoint(target.string());
  if (!checkpoint) return checkpoint.error();
  auto undo = [&](base::Error error) {
    std::error_code ignored;
    fs::remove_all(target, ignored);
    return error;
  };
  const fs::path secret = sources.data_dir / kJwtSecretFile;
  if (fs::exists(secret, ec)) {
    fs::copy_file(secret, target / kJwtSecretFile, ec);
    if (ec) return undo(Failed("copying " + secret.string(), ec));
  }
  std::int64_t media_files = 0;
  if (!sources.media_dir.empty()) {
    fs::create_directories(target / "media", ec);
    if (ec) return undo(Failed("creating " + (target / "media").string(), ec));
    base::Result<std::int64_t> copied =
        CopyMedia(sources.media_dir, sources.spool_dir, target / "media");
    if (!copied) return undo(copied.error());
    media_files = *copied;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return boost::json::object{
      {"dir", target.string()}, {"media_files", media_files}, {"seconds", seconds}};
}

}  // namespace parley::app
