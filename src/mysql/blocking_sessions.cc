#include "mysql/blocking_sessions.h"

#include <stdexcept>

namespace parley::mysql {

BlockingSessions::BlockingSessions(Options options) : options_(std::move(options)) {
  if (options_.threads == 0)
    throw std::invalid_argument("mysql sessions: threads must be positive");
  InitLibrary();
}

BlockingSessions::~BlockingSessions() = default;

std::unique_ptr<Session> BlockingSessions::Take() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return !idle_.empty() || made_ < options_.threads; });
  if (!idle_.empty()) {
    std::unique_ptr<Session> session = std::move(idle_.back());
    idle_.pop_back();
    return session;
  }
  ++made_;
  return std::make_unique<Session>(options_);
}

void BlockingSessions::Give(std::unique_ptr<Session> session) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(session));
  }
  cv_.notify_one();
}

}  // namespace parley::mysql
