#pragma once
// Terminal I/O of the parley CLI: the "> " prompt, lines printed from the
// client thread while the user types, and password entry without echo.

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace parley::tools {

// Thread contract: Print may be called from any thread (pushes arrive on the
// client's I/O thread); ReadLine only from the main thread.
class Console {
 public:
  // `interactive`: stdin is a terminal, so a prompt is shown.
  explicit Console(bool interactive) : interactive_(interactive) {}

  // Shows the prompt (when interactive) and reads a line; nullopt at EOF.
  std::optional<std::string> ReadLine();

  // Prints `text` on its own line. If the prompt is showing, the text goes
  // below it and the prompt is drawn again, so pushes never mangle it.
  void Print(std::string_view text);

  bool interactive() const { return interactive_; }

 private:
  const bool interactive_;
  std::mutex mu_;
  bool prompt_showing_ = false;  // guarded by mu_
};

// Reads a password: without echo from a terminal (prompting on stderr),
// otherwise one line of stdin. nullopt at EOF.
std::optional<std::string> ReadPassword(std::string_view prompt);

}  // namespace parley::tools
