#include "app/open_file_limit.h"

#include <sys/resource.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace parley::app {
namespace {

// RocksDB keeps its table files open (a few dozen for a store of some GB)
// plus WAL, MANIFEST and LOG; each I/O thread has an epoll, an eventfd and a
// timerfd; the listeners, the Redis and MySQL connections of cluster mode
// and the blocking pool need a few more. 256 covers them with room to
// spare; a tiny limit keeps half for the process.
constexpr std::uint64_t kReservedDescriptors = 256;

// The kernel's ceiling for RLIMIT_NOFILE when the hard limit is "unlimited".
rlim_t KernelCeiling() {
  std::ifstream in("/proc/sys/fs/nr_open");
  rlim_t value = 0;
  if (in >> value && value > 0) return value;
  return 1 << 20;  // Linux's default nr_open
}

}  // namespace

std::uint64_t RaiseOpenFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    spdlog::warn("open-file limit: getrlimit failed: {}", std::strerror(errno));
    return 0;
  }
  const rlim_t before = limit.rlim_cur;
  const rlim_t target = limit.rlim_max == RLIM_INFINITY ? KernelCeiling() : limit.rlim_max;
  if (before != RLIM_INFINITY && before < target) {
    limit.rlim_cur = target;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      spdlog::warn("open-file limit {} (hard {}): raising it failed: {}", before,
                   limit.rlim_max, std::strerror(errno));
      return before;
    }
  }
  const rlim_t now = std::max(before, limit.rlim_cur);
  spdlog::info("open-file limit {} (was {}, hard limit {}): up to {} connections", now, before,
               limit.rlim_max == RLIM_INFINITY ? std::string("unlimited")
                                               : std::to_string(limit.rlim_max),
               MaxConnectionsFor(now));
  return now;
}

std::uint64_t MaxConnectionsFor(std::uint64_t open_file_limit) {
  if (open_file_limit == 0 || open_file_limit == RLIM_INFINITY) return 0;  // no cap
  return open_file_limit - std::min(kReservedDescriptors, open_file_limit / 2);
}

}  // namespace parley::app
