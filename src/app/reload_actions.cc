#include "app/reload_actions.h"

#include <spdlog/spdlog.h>

namespace parley::app {

void ReloadActions::Add(std::string name, Action action) {
  actions_.emplace_back(std::move(name), std::move(action));
}

std::size_t ReloadActions::Run() const {
  std::size_t failed = 0;
  for (const auto& [name, action] : actions_) {
    const base::Result<void> outcome = action();
    if (outcome) {
      spdlog::info("reloaded {}", name);
    } else {
      ++failed;
      spdlog::error("cannot reload {}: {}; keeping the current one", name, outcome.error().message);
    }
  }
  if (actions_.empty()) spdlog::info("SIGHUP: nothing to reload");
  return failed;
}

}  // namespace parley::app
