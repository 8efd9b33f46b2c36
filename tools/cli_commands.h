#pragma once
// The commands of the parley CLI, shared by the REPL and one-shot mode:
//   send USER|#GROUP TEXT...   history USER|#GROUP [N]   conversations   unread
//   receipts USER|#GROUP   reply USER|#GROUP SEQ TEXT...   typing USER|#GROUP [stop]
//   group ... (cli_group_commands.h)   help   quit

#include <functional>
#include <string>
#include <string_view>

#include "client/sync_client.h"

namespace parley::tools {

enum class CommandStatus { kOk, kFailed, kQuit };

// Where a command's output goes: normal lines and error lines.
struct Output {
  std::function<void(std::string_view)> line;
  std::function<void(std::string_view)> error;
};

// Runs one command line as user `me`. Errors are printed as "error CODE: text".
CommandStatus RunCommand(client::SyncClient& client, const std::string& me,
                         std::string_view command_line, const Output& out);

}  // namespace parley::tools
