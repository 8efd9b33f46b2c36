#pragma once
// The parley CLI's "group" command:
//   group create NAME [USER...]   prints the new group's id
//   group join ID   group leave ID   group members ID   group mine
//   group invite ID USER...   group kick ID USER...
// A group id may be written with its '#' ("#team") or without.

#include <string_view>

#include "cli_commands.h"
#include "client/sync_client.h"

namespace parley::tools {

// `args` is what follows "group".
CommandStatus RunGroupCommand(client::SyncClient& client, std::string_view args, const Output& out);

}  // namespace parley::tools
