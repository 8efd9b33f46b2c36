#include "app/journal_log.h"

#include <spdlog/pattern_formatter.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace parley::app {
namespace {

// sd-daemon.h's SD_ERR … SD_DEBUG for a level.
char SyslogPriority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return '7';
    case spdlog::level::warn:
      return '4';
    case spdlog::level::err:
      return '3';
    case spdlog::level::critical:
      return '2';
    default:
      return '6';
  }
}

// %* in the pattern: the line's syslog priority.
class SyslogPriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&,
              spdlog::memory_buf_t& out) override {
    out.push_back(SyslogPriority(message.level));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SyslogPriorityFlag>();
  }
};

}  // namespace

bool StderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long device = 0;
  unsigned long long inode = 0;
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  struct stat status {};
  if (fstat(2, &status) != 0) return false;
  return status.st_dev == device && status.st_ino == inode;
}

void UseJournalPattern(spdlog::logger& logger) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("<%*>[%l] %v");
  logger.set_formatter(std::move(formatter));
}

}  // namespace parley::app
