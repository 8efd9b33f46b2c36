#include "terminal.h"

#include <termios.h>
#include <unistd.h>

#include <iostream>

namespace parley::tools {

std::optional<std::string> Console::ReadLine() {
  if (interactive_) {
    std::lock_guard lock(mu_);
    std::cout << "> " << std::flush;
    prompt_showing_ = true;
  }
  std::string line;
  bool ok = static_cast<bool>(std::getline(std::cin, line));
  std::lock_guard lock(mu_);
  prompt_showing_ = false;
  if (!ok) {
    if (interactive_) std::cout << '\n' << std::flush;  // leave the shell prompt on a new line
    return std::nullopt;
  }
  return line;
}

void Console::Print(std::string_view text) {
  std::lock_guard lock(mu_);
  if (prompt_showing_) {
    std::cout << '\n' << text << "\n> " << std::flush;
  } else {
    std::cout << text << '\n' << std::flush;
  }
}

std::optional<std::string> ReadPassword(std::string_view prompt) {
  std::string line;
  if (!isatty(STDIN_FILENO)) {
    if (!std::getline(std::cin, line)) return std::nullopt;
    return line;
  }
  std::cerr << prompt << std::flush;
  termios saved{};
  tcgetattr(STDIN_FILENO, &saved);
  termios silent = saved;
  silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &silent);
  bool ok = static_cast<bool>(std::getline(std::cin, line));
  tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  std::cerr << '\n';
  if (!ok) return std::nullopt;
  return line;
}

}  // namespace parley::tools
