#pragma once
// Argument handling shared by the parley CLI's commands: splitting words off
// a command line, naming conversations, and reporting failures.

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "cli_commands.h"

namespace parley::tools {

std::string_view TrimLeft(std::string_view s);
std::string_view TrimRight(std::string_view s);

// Splits off the first word; `rest` keeps the remaining text as typed.
std::string_view NextWord(std::string_view& rest);

// Every remaining word.
std::vector<std::string> Words(std::string_view rest);

// "bob" -> the private conversation with `me`; "#team" -> group_team.
base::Result<std::string> ConversationOf(const std::string& me, std::string_view target);

// Prints the error and returns kFailed.
CommandStatus Fail(const Output& out, const base::Error& error);
// Fails with "usage: ..." (400).
CommandStatus Usage(const Output& out, std::string_view usage);

}  // namespace parley::tools
